"""Pages of hot issues (热点问题): the district's own, with confirm and split, and the
reference table of the shipped data set. Views parse, authorise and call services."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from tongxin.core import audit, xlsx
from tongxin.hotspots import computing, exports, reference, services
from tongxin.kernel.errors import PermissionDenied, ServiceError
from tongxin.matters.models import Matter

PAGE_GROUPS = 50
EXPORT_GROUPS = 200
PERIODS = [(30, gettext_lazy("Last 30 days")), (90, gettext_lazy("Last 90 days")),
           (180, gettext_lazy("Last 180 days")), (365, gettext_lazy("Last year"))]
DEFAULT_DAYS = computing.DEFAULT_DAYS
assert tuple(days for days, _label in PERIODS) == computing.PERIOD_DAYS  # what is stored


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(label=gettext_lazy("Raised in"), coerce=int, required=False,
                                  choices=PERIODS, empty_value=DEFAULT_DAYS)

    def days_or_default(self):
        return self.cleaned_data["days"] if self.is_valid() else DEFAULT_DAYS


def _period(request):
    data = request.GET if request.method == "GET" else request.POST
    form = PeriodForm(data if "days" in data else None, initial={"days": DEFAULT_DAYS})
    return form, (form.days_or_default() if form.is_bound else DEFAULT_DAYS)


def _where(user):
    return audit.PlaceOf(audit.home_code(user))


# --- the district's hot issues -------------------------------------------------------------------


def _render_index(request, status=200):
    form, days = _period(request)
    stored = services.district_groups(request.user, days=days, limit=PAGE_GROUPS)
    return render(request, "hotspots/index.html", {
        "form": form, "days": days, "groups": stored.groups,
        "computed_at": stored.computed_at, "pending": stored.pending,
    }, status=status)


def _back(request):
    """Return to the list, for the same period (post, redirect, get)."""
    _form, days = _period(request)
    return redirect(f"{reverse('hotspots:index')}?{urlencode({'days': days})}")


@login_required
@require_GET
@permission_required("hotspots.view_hot_issues", raise_exception=True)
def index(request):
    """List groups of the matters the user may see, hottest first, to confirm or split."""
    return _render_index(request)


@login_required
@require_GET
@permission_required("hotspots.view_hot_issues", raise_exception=True)
def export(request):
    """Download the district's hot issues as an Excel workbook."""
    _form, days = _period(request)
    groups = services.district_groups(request.user, days=days, limit=EXPORT_GROUPS).groups
    audit.record_export(request, request.user, what="hot_issues", place=_where(request.user),
                        format="xlsx", rows=len(groups), days=days)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return xlsx.response(request, exports.district_workbook(groups), f"hot-issues-{stamp}.xlsx")


def _ids(values):
    """Return the integers in ``values``; anything else names no matter (404)."""
    try:
        ids = {int(value) for value in values if str(value).strip()}
    except (TypeError, ValueError):
        raise Http404 from None
    if any(not 0 < pk < 2 ** 63 for pk in ids):
        raise Http404
    return ids


def _matters(user, ids):
    """Return the matters ``ids`` if the user may see every one of them, else 404."""
    matters = list(Matter.objects.visible_to(user).filter(pk__in=ids)
                   .select_related("place", "district"))
    if len(matters) != len(ids):
        raise Http404
    return sorted(matters, key=lambda m: m.pk)


def _refused(request, error, status):
    messages.error(request, " ".join(str(m) for m in error.messages))
    return _render_index(request, status=status)


@login_required
@require_POST
@permission_required("hotspots.act_on_hot_issues", raise_exception=True)
def confirm(request):
    """Confirm a group: merge the ticked members into the chosen matter."""
    into_ids = _ids([request.POST.get("into", "")])
    member_ids = _ids(request.POST.getlist("members"))
    if len(into_ids) != 1:
        messages.error(request, _("Choose the matter to merge the others into."))
        return _render_index(request, status=400)
    found = {m.pk: m for m in _matters(request.user, into_ids | member_ids)}
    into = found[next(iter(into_ids))]
    try:
        result = services.confirm_group(
            into=into, members=[found[pk] for pk in sorted(member_ids)], by=request.user)
    except PermissionDenied as error:
        return _refused(request, error, 403)
    except ServiceError as error:
        return _refused(request, error, 400 if error.code == "nothing_to_merge" else 409)
    if result.merged:
        messages.success(request, ngettext(
            "%(count)d matter merged into %(number)s.",
            "%(count)d matters merged into %(number)s.", len(result.merged),
        ) % {"count": len(result.merged), "number": result.into.number})
    for matter, why in result.refused:
        messages.warning(request, _("%(number)s was not merged: %(why)s")
                         % {"number": matter.number, "why": why})
    if not result.merged:
        return _render_index(request, status=409)
    return _back(request)


@login_required
@require_POST
@permission_required("hotspots.act_on_hot_issues", raise_exception=True)
def split(request):
    """Split a group: the ticked members are kept apart from the rest from now on."""
    member_ids = _ids(request.POST.getlist("members"))
    remove_ids = _ids(request.POST.getlist("remove"))
    found = {m.pk: m for m in _matters(request.user, member_ids | remove_ids)}
    try:
        services.split_group(members=[found[pk] for pk in sorted(member_ids)],
                             remove=[found[pk] for pk in sorted(remove_ids)], by=request.user)
    except PermissionDenied as error:
        return _refused(request, error, 403)
    except ServiceError as error:
        return _refused(request, error, 400)
    messages.success(request, ngettext(
        "%(count)d matter split off: it will not be grouped with the others again.",
        "%(count)d matters split off: they will not be grouped with the others again.",
        len(remove_ids)) % {"count": len(remove_ids)})
    return _back(request)


# --- the reference table ------------------------------------------------------------------------


@login_required
@require_GET
@permission_required("hotspots.view_reference", raise_exception=True)
def reference_table(request):
    """Show the top-20 hot issues of the shipped messages_with_votes data set."""
    return render(request, "hotspots/reference.html", {
        "rows": reference.table(), "dataset": reference.DATASET,
    })


@login_required
@require_GET
@permission_required("hotspots.view_reference", raise_exception=True)
def reference_export(request):
    """Download the reference top-20 as an Excel workbook."""
    rows = reference.table()
    audit.record_export(request, request.user, what="hot_issues", place=_where(request.user),
                        format="xlsx", rows=len(rows), dataset=reference.DATASET)
    return xlsx.response(request, exports.reference_workbook(rows), "hot-issues-reference.xlsx")
