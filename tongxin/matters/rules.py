"""Who may see and act on matters. The transition table (transitions.py) names an actor
kind for each action; this module says who is that actor for a given matter."""

import rules
from django.db.models import Q

from tongxin.kernel.paths import subtrees_q
from tongxin.kernel.scope import scope_for
from tongxin.matters.choices import Level
from tongxin.people.choices import Role
from tongxin.people.rules import is_staff_member
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place

__all__ = ["is_staff_member"]  # one predicate, defined by people, used in matters' perms

# Roles that see the matters in the places where they hold them. A system administrator
# may do, in the district where the role is held, what the district office does; only
# the site-wide superuser (scope.everything) reaches every district.
MATTER_ROLES = frozenset({
    Role.GRID_WORKER, Role.BUILDING_HEAD, Role.COMPOUND_SECRETARY, Role.COMMUNITY_SECRETARY,
    Role.COMMITTEE_MEMBER, Role.MEDIATOR, Role.LEGAL_ADVISER, Role.COMMUNITY_POLICE,
    Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN,
})
# Roles that handle the matters owned by a place they cover (the owner and its supervisors).
HANDLER_ROLES = frozenset({
    Role.GRID_WORKER, Role.COMPOUND_SECRETARY, Role.COMMUNITY_SECRETARY, Role.COMMITTEE_MEMBER,
    Role.STREET_OFFICER, Role.DISTRICT_OFFICER,
})
# The district governance office whistles departments (吹哨).
WHISTLER_ROLES = frozenset({Role.DISTRICT_OFFICER})
# System administrators act as handler and whistler under where they hold the role; they
# are not among the handlers who are notified (events.handlers_of).
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN})
# Resident representatives who inspect and accept results (验收) where they hold the role.
INSPECTOR_ROLES = frozenset({Role.BUILDING_HEAD, Role.OWNERS_COMMITTEE})
# Staff who may record a matter on a resident's behalf.
RECORDER_ROLES = MATTER_ROLES


def _covers(user, roles, code):
    scope = scope_for(user)
    return scope.everything or any(
        role in roles and code.startswith(root) for role, root in scope.role_places
    )


def is_handler(user, matter):
    return _covers(user, HANDLER_ROLES | ADMIN_ROLES, matter.owner_code)


def is_whistler(user, matter):
    return _covers(user, WHISTLER_ROLES | ADMIN_ROLES, matter.owner_code)


def is_inspector(user, matter):
    scope = scope_for(user)
    return any(role in INSPECTOR_ROLES and matter.place_code.startswith(root)
               for role, root in scope.role_places)


def is_reporter(user, matter):
    return matter.reporter_id is not None and matter.reporter_id == user.pk


def is_department_member(user, whistle):
    scope = scope_for(user)
    return Role.DEPARTMENT_STAFF in scope.roles and whistle.department_id in scope.organisation_ids


def department_ids(user):
    """Return the departments whose whistles ``user`` answers (none unless department staff)."""
    scope = scope_for(user)
    if Role.DEPARTMENT_STAFF not in scope.roles:
        return frozenset()
    return scope.organisation_ids


def handles_matters(user):
    """Whether ``user`` handles matters somewhere (the inbox lists what their places own)."""
    scope = scope_for(user)
    return scope.everything or scope.has_any_role(HANDLER_ROLES | ADMIN_ROLES)


def handled_q(user):
    """Return a Q for the matters owned where ``user`` handles them (the inbox scope), or
    None when they handle none."""
    scope = scope_for(user)
    if scope.everything:
        return Q()
    roots = scope.roots_for_roles(HANDLER_ROLES | ADMIN_ROLES)
    return subtrees_q(roots, "owner_code") if roots else None


def sees_internal(user, matter, whistles=()):
    """Whether ``user`` sees a matter as its staff (internal events, the reporter): its
    handlers, the roles covering it, and the departments whistled to it."""
    scope = scope_for(user)
    if scope.everything or is_handler(user, matter):
        return True
    if any(role in MATTER_ROLES
           and (matter.place_code.startswith(root) or matter.owner_code.startswith(root))
           for role, root in scope.role_places):
        return True
    return Role.DEPARTMENT_STAFF in scope.roles and any(
        w.department_id in scope.organisation_ids for w in whistles)


def may_see_board(user, compound):
    """Whether ``user`` lives in ``compound`` or holds a role in it or above it."""
    scope = scope_for(user)
    if scope.everything:
        return True
    codes = [code for _role, code in scope.role_places]
    if scope.household_code:
        codes.append(scope.household_code)
    return any(code.startswith(compound.code) or compound.code.startswith(code) for code in codes)


def is_offered(action, matter):
    """Whether to offer ``action`` at the matter's level: leave out what the service would
    refuse anyway (no escalating above the district, whistling only from it)."""
    at_top = matter.owner_level == Level.DISTRICT
    return not ((action == "escalate" and at_top) or (action == "whistle" and not at_top))


ACTORS = {
    "handler": is_handler,
    "whistler": is_whistler,
    "inspector": is_inspector,
    "reporter": is_reporter,
}


@rules.predicate
def can_view_matter(user, matter):
    if matter is None:
        return False
    return matter.__class__.objects.visible_to(user).filter(pk=matter.pk).exists()


@rules.predicate
def can_record_for_others(user):
    scope = scope_for(user)
    return scope.everything or bool(set(scope.roles) & RECORDER_ROLES)


@rules.predicate
def has_inbox(user):
    scope = scope_for(user)
    return scope.everything or bool(
        set(scope.roles) & (HANDLER_ROLES | ADMIN_ROLES | {Role.DEPARTMENT_STAFF}))


@rules.predicate
def lives_somewhere(user):
    return bool(getattr(user, "household_id", None))


rules.add_perm("matters.view_matter", can_view_matter)
rules.add_perm("matters.list_matters", is_staff_member)
rules.add_perm("matters.raise_matter", lives_somewhere | can_record_for_others)
rules.add_perm("matters.record_for_others", can_record_for_others)
rules.add_perm("matters.view_inbox", has_inbox)


def may_raise_at(user, place):
    """A resident raises (or says "me too") in their own compound; staff wherever they
    record matters."""
    scope = scope_for(user)
    if scope.everything:
        return True
    if scope.covers_for_roles(RECORDER_ROLES, place.code):
        return True
    if user.household_id:
        compound = place_of_kind(user.household, PlaceKind.COMPOUND)
        return compound is not None and place.code.startswith(compound.code)
    return False


def place_of_kind(place, kind):
    """Return the place of ``kind`` at or above ``place`` (the nearest), or None."""
    return Place.objects.filter(code__in=[*place.ancestor_codes(), place.code],
                                kind=kind).order_by("-depth").first()
