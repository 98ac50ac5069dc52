"""The reads the portal's pages share."""

from django.db.models import Count

from tongxin.core import audit
from tongxin.kernel.paths import subtrees_q
from tongxin.kernel.scope import scope_for
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place
from tongxin.portal.rules import AUDITORS


def audit_entries(user):
    """Return the audit entries ``user`` may read: those filed under places they audit."""
    entries = audit.entries()
    scope = scope_for(user)
    if scope.everything:
        return entries
    roots = scope.roots_for_roles(AUDITORS)
    if not roots:
        return entries.none()
    return entries.filter(subtrees_q(roots, "place_code"))


def place_counts(user):
    """Return (kind label, count) of the places in ``user``'s scope, top kinds first."""
    counts = dict(
        Place.objects.filter(scope_for(user).places_q())
        .values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    return [(PlaceKind(kind).label, counts[kind]) for kind in PlaceKind.values if counts.get(kind)]


def root_places(user):
    """Return the places where ``user``'s roles are held: the tops of their scope."""
    scope = scope_for(user)
    if scope.everything:
        return Place.objects.filter(parent__isnull=True)
    return Place.objects.filter(code__in=scope.place_roots)
