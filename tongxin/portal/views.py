"""The home page, the place pages and the audit log: pages that read several domains."""

from datetime import datetime, timedelta

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.core import audit
from tongxin.deadlines.selectors import calendar_gaps
from tongxin.kernel import registry
from tongxin.matters.rules import board_compounds
from tongxin.matters.selectors import (
    area_summary,
    my_matters,
    results_to_inspect,
    results_to_rate,
    whistle_summary,
    work_summary,
)
from tongxin.orgs.models import Organisation
from tongxin.people.audit import record_contact_read
from tongxin.people.models import Person, RoleAssignment
from tongxin.people.rules import contact_for, is_staff_member, offer_elder_mode
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place
from tongxin.portal.forms import AuditFilter
from tongxin.portal.selectors import audit_entries, place_counts, root_places

# --- home ------------------------------------------------------------------------------


@login_required
def home(request):
    """Show "my work" to staff and "my matters" to residents."""
    user = request.user
    assignments = (
        RoleAssignment.objects.filter(person=user)
        .select_related("place", "organisation")
        .order_by("place__code", "role")
    )
    context = {"assignments": assignments}
    if is_staff_member(user):
        context["place_counts"] = place_counts(user)
        if request.user.has_perm("people.list_people"):
            context["people_count"] = Person.objects.visible_to(user).count()
        now = timezone.now()
        context["work"] = work_summary(user, now=now)
        context["whistles"] = whistle_summary(user, now=now)
        context["area"] = area_summary(user, now=now)
        if user.has_perm("matters.inspect_results"):
            context["to_inspect"] = results_to_inspect(user).count()
        # The boards one inspects or serves (all of them, for a superuser, is no shortcut).
        context["boards"] = [] if user.is_superuser else list(board_compounds(user))
        context["nothing_to_do"] = all(
            context.get(key) is None for key in ("work", "whistles", "area", "to_inspect"))
        context["calendar_gaps"] = calendar_gaps(user)
        return render(request, "portal/home_staff.html", context)
    household = user.household
    if household is not None:
        members = Person.objects.filter(household=household).order_by("-is_household_head", "pk")
        context["household"] = household
        context["address"] = household.full_name
        context["members"] = [(member, contact_for(user, member)) for member in members]
        context["board_code"] = (
            household.ancestors().filter(kind=PlaceKind.COMPOUND).values_list("code", flat=True).first()
        )
    context["my_matters"] = my_matters(user, limit=5)
    context["to_rate"] = list(results_to_rate(user).order_by("resolved_at", "pk")[:5])
    if context["to_rate"] and user.elder_mode:
        context["to_rate_count"] = results_to_rate(user).count()
    context["offer_elder_mode"] = offer_elder_mode(user)
    return render(request, "portal/home_resident.html", context)


# --- places ----------------------------------------------------------------------------


@login_required
@permission_required("places.browse_places", raise_exception=True)
def place_list(request):
    """List the places where the user's roles are held: the tops of their scope."""
    return render(request, "portal/place_list.html", {"roots": root_places(request.user)})


@login_required
def place_detail(request, code):
    """Show a place in scope: where it sits, what is under it, who works and lives there."""
    # Codes are digits; anything else (a NUL byte PostgreSQL refuses) is not looked up.
    place = Place.objects.visible_to(request.user).filter(code=code).first() if (
        code.isdecimal()) else None
    if place is None:
        raise Http404
    descendants = dict(
        place.descendants().values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    children = Paginator(
        place.children.annotate(n_children=Count("children")).order_by("code"), 100
    ).get_page(request.GET.get("page"))
    context = {
        "place": place,
        "ancestors": place.ancestors(),
        "children": children,
        "counts": [
            (PlaceKind(kind).label, descendants[kind])
            for kind in PlaceKind.values if descendants.get(kind)
        ],
        "organisations": Organisation.objects.filter(place=place).select_related("parent"),
    }
    if request.user.has_perm("people.list_people"):
        context["staff"] = (
            RoleAssignment.objects.filter(place=place)
            .exclude(role="resident")
            .select_related("person", "organisation")
        )
        if place.kind in (PlaceKind.BUILDING, PlaceKind.HOUSEHOLD):
            residents = Person.objects.visible_to(request.user).filter(
                household__code__startswith=place.code
            ).select_related("household").order_by("household__code", "-is_household_head")
            context["residents"] = [
                (person, contact_for(request.user, person)) for person in residents
            ]
            record_contact_read(request, residents, place=place)
    return render(request, "portal/place_detail.html", context)


# --- the audit log ---------------------------------------------------------------------

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
    audit.SUPERUSER_GRANTED: _("Made superuser"),
    audit.SUPERUSER_REVOKED: _("Superuser taken away"),
    audit.ADMIN_CHANGE: _("Change in the admin"),
}
# What was read or exported (the ``what`` of audit.record_read / record_export). An app
# may also declare its own in its manifest (registry ``audited_reads``).
AUDIT_PAGE_SIZE = 50


@login_required
@permission_required("core.view_audit", raise_exception=True)
def audit_log(request):
    """List sign-ins, exports and reads of personal details in the auditor's area."""
    form = AuditFilter(request.GET)
    entries = audit_entries(request.user).select_related("actor", "subject_type")
    if form.is_valid():
        if form.cleaned_data["kind"]:
            entries = entries.filter(action__in=AUDIT_KINDS[form.cleaned_data["kind"]])
        if form.cleaned_data["day"]:
            start = timezone.make_aware(
                datetime.combine(form.cleaned_data["day"], datetime.min.time()))
            entries = entries.filter(at__gte=start, at__lt=start + timedelta(days=1))
    page = Paginator(entries.order_by("-at", "-pk"), AUDIT_PAGE_SIZE).get_page(
        request.GET.get("page"))
    what = registry.audited_reads()  # each app names the reads and exports it audits
    rows = [{"entry": e, "label": AUDIT_LABELS.get(e.action, e.action),
             "what": what.get(e.data.get("what"), e.data.get("what", "")),
             "subject": f"{e.subject_type.model_class()._meta.verbose_name} #{e.subject_id}"}
            for e in page]
    return render(request, "portal/audit.html", {"form": form, "page": page, "rows": rows})
