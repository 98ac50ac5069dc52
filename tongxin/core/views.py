from datetime import datetime, timedelta

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from tongxin.core import audit
from tongxin.matters.choices import ACTIVE_STATUSES, Status
from tongxin.matters.models import Matter, Support
from tongxin.matters.rules import HANDLER_ROLES
from tongxin.people.models import Person, RoleAssignment
from tongxin.people.rules import contact_for
from tongxin.people.scope import scope_for
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place, subtrees_q


@login_required
def home(request):
    """Show "my work" to staff and "my matters" to residents."""
    user = request.user
    scope = scope_for(user)
    assignments = (
        RoleAssignment.objects.filter(person=user)
        .select_related("place", "organisation")
        .order_by("place__code", "role")
    )
    context = {"scope": scope, "assignments": assignments}
    if scope.staff:
        counts = dict(
            Place.objects.filter(_places_in_scope(scope))
            .values_list("kind")
            .annotate(n=Count("id"))
            .values_list("kind", "n")
        )
        context["place_counts"] = [
            (PlaceKind(kind).label, counts[kind]) for kind in PlaceKind.values if counts.get(kind)
        ]
        if request.user.has_perm("people.list_people"):
            context["people_count"] = Person.objects.visible_to(user).count()
        context["work"] = _my_work(user, scope)
        return render(request, "core/home_staff.html", context)
    household = user.household
    if household is not None:
        members = Person.objects.filter(household=household).order_by("-is_household_head", "pk")
        context["household"] = household
        context["address"] = household.full_name
        context["members"] = [(member, contact_for(user, member)) for member in members]
        context["board_code"] = (
            household.ancestors().filter(kind=PlaceKind.COMPOUND).values_list("code", flat=True).first()
        )
    context["my_matters"] = (
        Matter.objects.filter(Q(reporter=user) | Q(pk__in=Support.objects.filter(person=user)
                                                   .values("matter_id")))
        .select_related("category").order_by("-created_at")[:5]
    )
    return render(request, "core/home_resident.html", context)


def _my_work(user, scope):
    """Count what waits for the user: matters owned where they handle, new and overdue."""
    roots = scope.roots_for_roles(HANDLER_ROLES) if not scope.everything else ("",)
    if not roots:
        return None
    owned = Matter.objects.filter(subtrees_q(roots, "owner_code"), status__in=ACTIVE_STATUSES)
    return owned.aggregate(
        open=Count("id"),
        new=Count("id", filter=Q(status=Status.NEW)),
        overdue=Count("id", filter=Q(due_at__lt=timezone.now())),
    )


def _places_in_scope(scope):
    """Return a filter for every place in the scope (all of them for superusers)."""
    if scope.everything:
        return subtrees_q([""])
    return subtrees_q(scope.place_roots)


@never_cache
def healthz(request):
    """Answer 200 when the app and its database respond (for load balancers)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


AUDIT_KINDS = {
    "sign_in": (audit.SIGN_IN, audit.SIGN_OUT),
    "failed": (audit.SIGN_IN_FAILED,),
    "export": (audit.EXPORT,),
    "read": (audit.READ,),
}
AUDIT_LABELS = {
    audit.SIGN_IN: _("Signed in"),
    audit.SIGN_OUT: _("Signed out"),
    audit.SIGN_IN_FAILED: _("Failed sign-in"),
    audit.EXPORT: _("Export"),
    audit.READ: _("Read personal details"),
}
# What was read or exported (the ``what`` of audit.record_read / record_export).
AUDIT_WHAT = {
    "contact": _("contact details"),
    "reporter_contact": _("the reporter's contact details"),
    "my_data": _("all of one's own data"),
    "hot_issues": _("hot issues"),
}
AUDIT_PAGE_SIZE = 50


class AuditFilter(forms.Form):
    kind = forms.ChoiceField(label=_("What"), required=False, choices=[
        ("", _("Everything")), ("sign_in", _("Sign-ins and sign-outs")),
        ("failed", _("Failed sign-ins")), ("export", _("Exports")),
        ("read", _("Reads of personal details")),
    ])
    day = forms.DateField(label=_("Day"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))


@login_required
@permission_required("core.view_audit", raise_exception=True)
def audit_log(request):
    """List sign-ins, exports and reads of personal details in the auditor's area."""
    form = AuditFilter(request.GET)
    entries = audit.visible_to(request.user).select_related("actor", "subject_type")
    if form.is_valid():
        if form.cleaned_data["kind"]:
            entries = entries.filter(action__in=AUDIT_KINDS[form.cleaned_data["kind"]])
        if form.cleaned_data["day"]:
            start = timezone.make_aware(
                datetime.combine(form.cleaned_data["day"], datetime.min.time()))
            entries = entries.filter(at__gte=start, at__lt=start + timedelta(days=1))
    page = Paginator(entries.order_by("-at", "-pk"), AUDIT_PAGE_SIZE).get_page(
        request.GET.get("page"))
    rows = [{"entry": e, "label": AUDIT_LABELS.get(e.action, e.action),
             "what": AUDIT_WHAT.get(e.data.get("what"), e.data.get("what", "")),
             "subject": f"{e.subject_type.model_class()._meta.verbose_name} #{e.subject_id}"}
            for e in page]
    return render(request, "core/audit.html", {"form": form, "page": page, "rows": rows})
