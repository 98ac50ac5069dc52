"""What each role may see, in one table that scope.py and the tests read.

- ``place_kinds``: where the role is held (a grid worker holds it at a grid).
- ``org_kinds``: the organisation the role must name, if any.
- ``sees_places``: the role sees the places under where it is held.
- ``sees_people``: it sees the people who live there and the staff who work there.
- ``full_contact``: it sees their phone and ID numbers in full (those who must call
  or identify residents); everyone else sees them masked (138****0000).
- ``staff``: it works on matters (home page "my work"), rather than raising them.
"""

from dataclasses import dataclass

from tongxin.orgs.choices import OrgKind
from tongxin.people.choices import Role
from tongxin.places.choices import PlaceKind as P


@dataclass(frozen=True)
class RoleSpec:
    place_kinds: frozenset
    org_kinds: frozenset = frozenset()
    sees_places: bool = True
    sees_people: bool = False
    full_contact: bool = False
    staff: bool = True


COMMUNITY = frozenset({P.COMMUNITY})

ROLE_SPECS = {
    Role.RESIDENT: RoleSpec(frozenset({P.HOUSEHOLD}), sees_places=False, staff=False),
    Role.GRID_WORKER: RoleSpec(frozenset({P.GRID}), sees_people=True, full_contact=True),
    Role.BUILDING_HEAD: RoleSpec(frozenset({P.BUILDING}), sees_people=True),
    Role.COMPOUND_SECRETARY: RoleSpec(
        frozenset({P.COMPOUND}), sees_people=True, full_contact=True
    ),
    Role.COMMUNITY_SECRETARY: RoleSpec(COMMUNITY, sees_people=True, full_contact=True),
    Role.COMMITTEE_MEMBER: RoleSpec(COMMUNITY, sees_people=True, full_contact=True),
    Role.MEDIATOR: RoleSpec(COMMUNITY, sees_people=True, full_contact=True),
    Role.LEGAL_ADVISER: RoleSpec(COMMUNITY, sees_people=True),
    Role.COMMUNITY_POLICE: RoleSpec(COMMUNITY, sees_people=True, full_contact=True),
    Role.STREET_OFFICER: RoleSpec(frozenset({P.STREET}), sees_people=True),
    Role.DISTRICT_OFFICER: RoleSpec(frozenset({P.DISTRICT}), sees_people=True),
    Role.DEPARTMENT_STAFF: RoleSpec(
        frozenset({P.DISTRICT, P.STREET}), org_kinds=frozenset({OrgKind.DEPARTMENT})
    ),
    Role.PARTNER_MEMBER: RoleSpec(
        frozenset({P.DISTRICT, P.STREET, P.COMMUNITY}),
        org_kinds=frozenset({OrgKind.PARTNER_UNIT}),
    ),
    Role.PROPERTY_STAFF: RoleSpec(
        frozenset({P.COMMUNITY, P.COMPOUND}), org_kinds=frozenset({OrgKind.PROPERTY_COMPANY})
    ),
    Role.OWNERS_COMMITTEE: RoleSpec(
        frozenset({P.COMPOUND}), org_kinds=frozenset({OrgKind.OWNERS_COMMITTEE})
    ),
    Role.SYSTEM_ADMIN: RoleSpec(
        frozenset({P.PROVINCE, P.CITY, P.DISTRICT}), sees_people=True, full_contact=True
    ),
}
