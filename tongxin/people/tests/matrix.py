"""The permission matrix, shared by the rule tests and the page tests.

Places are named by attributes of the ``world`` fixture (tongxin/conftest.py);
people by world attribute (residents) or by role value (the staff holding it).
"""

from tongxin.conftest import RESIDENT_ATTRS
from tongxin.people.choices import Role

HOME_HOUSEHOLD = {"h1"}
BUILDING = {"b1", "h1", "h2"}
GRID = {"g1"} | BUILDING
COMPOUND = {"compound_a1a", "g2", "b2", "h3"} | GRID
COMMUNITY = {"community_a1", "compound_a1b", "g3", "b3", "h4"} | COMPOUND
STREET = {"street_a", "community_a2", "compound_a2a", "g4", "b4", "h5"} | COMMUNITY
EVERYTHING = {"district", "street_b", "community_b1", "compound_b1a", "g5", "b5", "h6"} | STREET

PLACES_SEEN = {
    Role.RESIDENT: HOME_HOUSEHOLD,
    Role.GRID_WORKER: GRID,
    Role.BUILDING_HEAD: BUILDING,
    Role.COMPOUND_SECRETARY: COMPOUND,
    Role.COMMUNITY_SECRETARY: COMMUNITY,
    Role.COMMITTEE_MEMBER: COMMUNITY,
    Role.MEDIATOR: COMMUNITY,
    Role.LEGAL_ADVISER: COMMUNITY,
    Role.COMMUNITY_POLICE: COMMUNITY,
    Role.PARTNER_MEMBER: COMMUNITY,
    Role.PROPERTY_STAFF: COMPOUND,
    Role.OWNERS_COMMITTEE: COMPOUND,
    Role.STREET_OFFICER: STREET,
    Role.DISTRICT_OFFICER: EVERYTHING,
    Role.DEPARTMENT_STAFF: EVERYTHING,
    Role.SYSTEM_ADMIN: EVERYTHING,
}

# People are named by world attribute (residents) or by role value (staff).
R_BUILDING = {"resident", "resident_b", "neighbour", "building_head"}
R_GRID = R_BUILDING | {"grid_worker"}
R_COMPOUND = R_GRID | {"same_compound", "compound_secretary", "property_staff", "owners_committee"}
R_COMMUNITY = R_COMPOUND | {
    "same_community", "community_secretary", "committee_member", "mediator",
    "legal_adviser", "community_police", "partner_member",
}
R_STREET = R_COMMUNITY | {"same_street", "street_officer"}
R_ALL = R_STREET | {"other_street", "district_officer", "department_staff", "system_admin"}

PEOPLE_SEEN = {
    Role.RESIDENT: {"resident", "resident_b"},
    Role.GRID_WORKER: R_GRID,
    Role.BUILDING_HEAD: R_BUILDING,
    Role.COMPOUND_SECRETARY: R_COMPOUND,
    Role.COMMUNITY_SECRETARY: R_COMMUNITY,
    Role.COMMITTEE_MEMBER: R_COMMUNITY,
    Role.MEDIATOR: R_COMMUNITY,
    Role.LEGAL_ADVISER: R_COMMUNITY,
    Role.COMMUNITY_POLICE: R_COMMUNITY,
    Role.PARTNER_MEMBER: {"partner_member"},
    Role.PROPERTY_STAFF: {"property_staff"},
    Role.OWNERS_COMMITTEE: {"owners_committee"},
    Role.STREET_OFFICER: R_STREET,
    Role.DISTRICT_OFFICER: R_ALL,
    Role.DEPARTMENT_STAFF: {"department_staff"},
    Role.SYSTEM_ADMIN: R_ALL,
}

# Whose phone each role sees in full when it sees the resident of h1 at all.
FULL_CONTACT = {
    Role.RESIDENT, Role.GRID_WORKER, Role.COMPOUND_SECRETARY, Role.COMMUNITY_SECRETARY,
    Role.COMMITTEE_MEMBER, Role.MEDIATOR, Role.COMMUNITY_POLICE, Role.SYSTEM_ADMIN,
}

PLACE_NAMES = sorted(EVERYTHING)
RESIDENT_NAMES = RESIDENT_ATTRS


def people_by_label(world):
    labels = {getattr(world, name).pk: name for name in RESIDENT_NAMES}
    labels.update({person.pk: role.value for role, person in world.by_role.items()
                   if role != Role.RESIDENT})
    return labels
