"""A person's scope: where their roles let them see, computed once per request.

Every ``visible_to(user)`` queryset method reads this, so there is one place that
turns roles into place ranges (STYLE.md: one visible_to path).
"""

from dataclasses import dataclass

from tongxin.people.roles import ROLE_SPECS
from tongxin.places.models import minimal_roots

_CACHE_ATTR = "_tongxin_scope"


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    place_roots: tuple = ()
    place_ancestors: frozenset = frozenset()
    people_roots: tuple = ()
    contact_roots: tuple = ()
    organisation_ids: frozenset = frozenset()
    roles: tuple = ()
    staff: bool = False
    household_code: str = ""
    role_places: tuple = ()  # (role, place code) for every role held

    def roots_for_roles(self, roles):
        """Return the minimal place codes where any of ``roles`` is held."""
        return tuple(minimal_roots(code for role, code in self.role_places if role in roles))

    def covers_place(self, code, roots_name="place_roots"):
        return self.everything or any(code.startswith(root) for root in getattr(self, roots_name))


NOBODY = Scope()


def _ancestors(codes):
    return frozenset(code[:n] for code in codes for n in range(1, len(code)))


def scope_for(user):
    """Return (and cache on the user object) the scope of ``user``."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    assignments = list(
        user.roles.select_related("place").only("role", "organisation_id", "place__code")
    )
    place_roots, people_roots, contact_roots = [], [], []
    for assignment in assignments:
        spec = ROLE_SPECS[assignment.role]
        code = assignment.place.code
        if spec.sees_places:
            place_roots.append(code)
        if spec.sees_people:
            people_roots.append(code)
        if spec.full_contact:
            contact_roots.append(code)
    household_code = ""
    if user.household_id:
        household_code = user.household.code
    scope = Scope(
        everything=user.is_superuser,
        place_roots=tuple(minimal_roots(place_roots)),
        place_ancestors=_ancestors(place_roots + ([household_code] if household_code else [])),
        people_roots=tuple(minimal_roots(people_roots)),
        contact_roots=tuple(minimal_roots(contact_roots)),
        organisation_ids=frozenset(a.organisation_id for a in assignments if a.organisation_id),
        roles=tuple(sorted({a.role for a in assignments})),
        staff=user.is_superuser or any(ROLE_SPECS[a.role].staff for a in assignments),
        household_code=household_code,
        role_places=tuple((a.role, a.place.code) for a in assignments),
    )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user):
    """Drop the cached scope after the user's roles change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
