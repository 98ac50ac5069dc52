"""How a person's roles become their scope (kernel.scope.Scope): the provider that
``kernel.scope.scope_for`` calls once per request and caches (registered in manifest.py).
Every ``visible_to(user)`` reads that scope, so this is the one place that turns roles
into place ranges (STYLE.md: one visible_to path).
"""

from tongxin.kernel.paths import ancestor_prefixes, minimal_roots
from tongxin.kernel.scope import Scope
from tongxin.people.roles import ROLE_SPECS


def compute_scope(user):
    """Return the scope of a signed-in, active ``user`` from their roles (kernel.scope
    caches it on the user object; this is its registered provider)."""
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
    return Scope(
        everything=user.is_superuser,
        place_roots=tuple(minimal_roots(place_roots)),
        place_ancestors=ancestor_prefixes(place_roots + ([household_code] if household_code else [])),
        people_roots=tuple(minimal_roots(people_roots)),
        contact_roots=tuple(minimal_roots(contact_roots)),
        organisation_ids=frozenset(a.organisation_id for a in assignments if a.organisation_id),
        roles=tuple(sorted({a.role for a in assignments})),
        staff=user.is_superuser or any(ROLE_SPECS[a.role].staff for a in assignments),
        household_code=household_code,
        role_places=tuple((a.role, a.place.code) for a in assignments),
        person_id=user.pk,
        household_id=user.household_id,
    )
