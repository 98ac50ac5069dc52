from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import render

from tongxin.orgs.models import Organisation
from tongxin.people.models import Person, RoleAssignment
from tongxin.people.rules import contact_for
from tongxin.people.scope import scope_for
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place


@login_required
@permission_required("places.browse_places", raise_exception=True)
def place_list(request):
    """List the places where the user's roles are held: the tops of their scope."""
    scope = scope_for(request.user)
    if scope.everything:
        roots = Place.objects.filter(parent__isnull=True)
    else:
        roots = Place.objects.filter(code__in=scope.place_roots)
    return render(request, "places/place_list.html", {"roots": roots})


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
    return render(request, "places/place_detail.html", context)
