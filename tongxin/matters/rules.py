"""Who may see and act on matters. The transition table (transitions.py) names an actor
kind for each action; this module says who is that actor for a given matter."""

import rules
from django.db.models import F, Q

from tongxin.kernel.paths import subtrees_q
from tongxin.kernel.scope import scope_for
from tongxin.matters.choices import Level
from tongxin.matters.lookups import in_subquery_q
from tongxin.people.choices import Role
from tongxin.people.rules import contact_in_scope, is_staff_member
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place

__all__ = ["is_staff_member"]  # one predicate, defined by people, re-exported for callers

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
# Partner units and property companies read the boards of the compounds they serve.
BOARD_WATCHER_ROLES = frozenset({Role.PARTNER_MEMBER, Role.PROPERTY_STAFF})
# Staff who may record a matter on a resident's behalf.
RECORDER_ROLES = MATTER_ROLES


def _covers(user, roles, code):
    scope = scope_for(user)
    return scope.everything or any(
        role in roles and code.startswith(root) for role, root in scope.role_places
    )


def whole_compound_q(grid_codes, field="place_code"):
    """Return a Q for matters placed at the compound itself (整个小区) above any of
    ``grid_codes``: its grid workers see them (a subquery: no extra round trip)."""
    prefixes = {code[:n] for code in grid_codes for n in range(1, len(code))}
    compounds = Place.objects.filter(kind=PlaceKind.COMPOUND, code__in=prefixes).values("code")
    return in_subquery_q(field, compounds)


def hears_for_whole_compound(user, matter):
    """Whether ``user`` is a grid worker of the compound that owns a matter raised for the
    whole compound: the compound's grid workers hear and handle it with its secretary.
    (A matter escalated from one grid to the compound is placed below it, and stays
    with the compound's secretary.)"""
    if matter.owner_level != Level.COMPOUND or matter.place_code != matter.owner_code:
        return False
    return any(role == Role.GRID_WORKER and code.startswith(matter.place_code)
               for role, code in scope_for(user).role_places)


def is_handler(user, matter):
    return (_covers(user, HANDLER_ROLES | ADMIN_ROLES, matter.owner_code)
            or hears_for_whole_compound(user, matter))


def sees_raiser_contacts(user, matter):
    """Whether ``user`` sees the contacts of whoever raised ``matter`` whole, and so its
    title and description as typed (phone and ID numbers included).

    The same rule as the reporter line of the matter page (selectors.reporter_block): the
    raiser (or whoever recorded it) themselves; for a registered reporter, the roles that
    see that person's contacts whole (people.rules.contact_for); for a walk-in or an
    anonymous caller, those who handle the matter.
    """
    if user.pk is not None and user.pk in (matter.reporter_id, matter.created_by_id):
        return True
    scope = scope_for(user)
    if scope.everything:
        return True
    if matter.reporter_id:
        # No full-contact role anywhere: masked, without loading the reporter.
        return bool(scope.contact_roots) and contact_in_scope(user, matter.reporter)
    return is_handler(user, matter)


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
    if not roots:
        return None
    query = subtrees_q(roots, "owner_code")
    grids = scope.roots_for_roles({Role.GRID_WORKER})
    if grids:
        query |= whole_compound_q(grids) & Q(owner_level=Level.COMPOUND,
                                              owner_code=F("place_code"))
    return query


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
    if matter.place.kind == PlaceKind.COMPOUND and any(
            role == Role.GRID_WORKER and root.startswith(matter.place_code)
            for role, root in scope.role_places):
        return True  # a matter of their whole compound
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


def board_compounds(user):
    """Return the compounds whose boards ``user`` has reason to open: where they inspect
    results (a building head's compound, an owners' committee's), where they live, and
    those a partner unit or property company serves."""
    scope = scope_for(user)
    if scope.everything:
        return Place.objects.filter(kind=PlaceKind.COMPOUND).order_by("code")
    codes = [code for role, code in scope.role_places if role in INSPECTOR_ROLES]
    if scope.household_code:
        codes.append(scope.household_code)
    below = [code for role, code in scope.role_places if role in BOARD_WATCHER_ROLES]
    if not codes and not below:
        return Place.objects.none()
    above = {code[:n] for code in codes for n in range(1, len(code) + 1)}
    return Place.objects.filter(Q(code__in=above) | subtrees_q(below),
                                kind=PlaceKind.COMPOUND).order_by("code")


def may_see_result_photo(user, photo):
    """Whether ``user`` may see ``photo`` as part of a result published on a compound board:
    a photo of the "resolved" step, of a published matter, on a board they may see."""
    matter = photo.matter
    if photo.event_id is None or photo.event.action != "resolved" or matter.published_at is None:
        return False
    if not matter.__class__.objects.published_in(matter.place).filter(pk=matter.pk).exists():
        return False
    compound = place_of_kind(matter.place, PlaceKind.COMPOUND)
    return compound is not None and may_see_board(user, compound)


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
def sees_matters(user):
    """Sees matters by role: where the role is held, or as a whistled department (no
    query: the menu asks). Partner units, property companies and owners' committees
    see none, only the boards."""
    scope = scope_for(user)
    return scope.everything or scope.has_any_role(MATTER_ROLES | {Role.DEPARTMENT_STAFF})


@rules.predicate
def has_inbox(user):
    scope = scope_for(user)
    return scope.everything or bool(
        set(scope.roles) & (HANDLER_ROLES | ADMIN_ROLES | {Role.DEPARTMENT_STAFF}))


@rules.predicate
def inspects_results(user):
    """Holds a role that inspects results on a compound board (no query: the menu asks)."""
    return scope_for(user).has_any_role(INSPECTOR_ROLES)


@rules.predicate
def lives_somewhere(user):
    return bool(getattr(user, "household_id", None))


rules.add_perm("matters.view_matter", can_view_matter)
rules.add_perm("matters.list_matters", sees_matters)
rules.add_perm("matters.raise_matter", lives_somewhere | can_record_for_others)
rules.add_perm("matters.record_for_others", can_record_for_others)
rules.add_perm("matters.view_inbox", has_inbox)
rules.add_perm("matters.inspect_results", inspects_results)


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
