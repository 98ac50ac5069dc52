from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

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
