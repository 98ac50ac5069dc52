"""Who may see and act on matters. The transition table (transitions.py) names an actor
kind for each action; this module says who is that actor for a given matter."""

import rules

from tongxin.people.choices import Role
from tongxin.people.scope import scope_for

# Roles that see the matters in the places where they hold them.
MATTER_ROLES = frozenset({
    Role.GRID_WORKER, Role.BUILDING_HEAD, Role.COMPOUND_SECRETARY, Role.COMMUNITY_SECRETARY,
    Role.COMMITTEE_MEMBER, Role.MEDIATOR, Role.LEGAL_ADVISER, Role.COMMUNITY_POLICE,
    Role.STREET_OFFICER, Role.DISTRICT_OFFICER,
})
# Roles that handle the matters owned by a place they cover (the owner and its supervisors).
HANDLER_ROLES = frozenset({
    Role.GRID_WORKER, Role.COMPOUND_SECRETARY, Role.COMMUNITY_SECRETARY, Role.COMMITTEE_MEMBER,
    Role.STREET_OFFICER, Role.DISTRICT_OFFICER,
})
# The district governance office whistles departments (吹哨).
WHISTLER_ROLES = frozenset({Role.DISTRICT_OFFICER})
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
    return _covers(user, HANDLER_ROLES, matter.owner_code)


def is_whistler(user, matter):
    return _covers(user, WHISTLER_ROLES, matter.owner_code)


def is_inspector(user, matter):
    scope = scope_for(user)
    return any(role in INSPECTOR_ROLES and matter.place_code.startswith(root)
               for role, root in scope.role_places)


def is_reporter(user, matter):
    return matter.reporter_id is not None and matter.reporter_id == user.pk


def is_department_member(user, whistle):
    scope = scope_for(user)
    return Role.DEPARTMENT_STAFF in scope.roles and whistle.department_id in scope.organisation_ids


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
    return scope.everything or bool(set(scope.roles) & (HANDLER_ROLES | {Role.DEPARTMENT_STAFF}))


@rules.predicate
def is_staff_member(user):
    return scope_for(user).staff


@rules.predicate
def lives_somewhere(user):
    return bool(getattr(user, "household_id", None))


rules.add_perm("matters.view_matter", can_view_matter)
rules.add_perm("matters.list_matters", is_staff_member)
rules.add_perm("matters.raise_matter", lives_somewhere | can_record_for_others)
rules.add_perm("matters.record_for_others", can_record_for_others)
rules.add_perm("matters.view_inbox", has_inbox)
