"""Who may read and change a district's routing table and retrain its suggester.

The district governance office and system administrators (where they hold the role:
at the district or above) keep the table; staff who hear and handle matters may read
it, to know where a matter will go. Nobody else routes a matter, so nobody else sees
it: residents, building heads, mediators, legal advisers, police, departments, partner
units, property companies and owners' committees.
"""

import rules
from django.db.models import Q

from tongxin.kernel.paths import subtrees_q
from tongxin.kernel.scope import scope_for
from tongxin.matters.rules import HANDLER_ROLES
from tongxin.people.choices import Role
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place

EDITOR_ROLES = frozenset({Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN})
READER_ROLES = HANDLER_ROLES | EDITOR_ROLES


def districts_for(user, roles):
    """Return the districts in which ``user`` holds one of ``roles`` (at, above or below it)."""
    scope = scope_for(user)
    districts = Place.objects.filter(kind=PlaceKind.DISTRICT).order_by("code")
    if scope.everything:
        return districts
    codes = [code for role, code in scope.role_places if role in roles]
    if not codes:
        return districts.none()
    if roles is EDITOR_ROLES:
        # Keeping the table is for those who hold the role for the whole district.
        return districts.filter(subtrees_q(codes))
    above = {code[:n] for code in codes for n in range(1, len(code) + 1)}
    return districts.filter(subtrees_q(codes) | Q(code__in=above))


def readable_districts(user):
    return districts_for(user, READER_ROLES)


def editable_districts(user):
    return districts_for(user, EDITOR_ROLES)


def may_edit_routing(user, district):
    return editable_districts(user).filter(pk=district.pk).exists()


@rules.predicate
def reads_routing(user):
    # No query beyond the (cached) scope: the main menu asks on every page.
    scope = scope_for(user)
    return scope.everything or bool(READER_ROLES & set(scope.roles))


@rules.predicate
def edits_routing(user):
    return editable_districts(user).exists()


rules.add_perm("triage.view_routing", reads_routing)
rules.add_perm("triage.change_routing", edits_routing)
