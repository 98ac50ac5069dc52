"""Which role may open which matter page: allowed (200) or refused (403), for every role."""

import pytest
from django.urls import reverse

from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

HANDLERS = {Role.GRID_WORKER, Role.COMPOUND_SECRETARY, Role.COMMUNITY_SECRETARY,
            Role.COMMITTEE_MEMBER, Role.STREET_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN}
RECORDERS = HANDLERS | {Role.BUILDING_HEAD, Role.MEDIATOR, Role.LEGAL_ADVISER,
                        Role.COMMUNITY_POLICE}
STAFF = set(Role) - {Role.RESIDENT}

PAGES = {
    "matters:inbox": HANDLERS | {Role.DEPARTMENT_STAFF},
    # Partner units, property companies and owners' committees see no matters, only boards.
    "matters:list": STAFF - {Role.PARTNER_MEMBER, Role.PROPERTY_STAFF, Role.OWNERS_COMMITTEE},
    "matters:record": RECORDERS,
    "matters:raise": {Role.RESIDENT},  # in the world, only the resident has a household
    "matters:mine": set(Role),
    "notices:inbox": set(Role),
}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_matter_page_opens_only_for_its_roles(client, world, categories, role, name):
    client.force_login(world.by_role[role])
    response = client.get(reverse(name))
    assert response.status_code == (200 if role in PAGES[name] else 403), (name, role)
