"""Open311 fixtures: API keys for the world's district and for a second district."""

from types import SimpleNamespace

import pytest

from tongxin.api.keys import issue_key
from tongxin.people.choices import Role
from tongxin.people.services import assign_role, create_person
from tongxin.places.choices import PlaceKind as K
from tongxin.places.services import create_place

OTHER_DISTRICT = "990102"


def issue_keys(world):
    """Return a key of the world's district (filing into compound A1a by default) and one
    of a second district, each acting as that district's governance office."""
    keys = SimpleNamespace()
    keys.account = world.by_role[Role.DISTRICT_OFFICER]
    keys.key, keys.text = issue_key(name="12345 热线", account=keys.account,
                                    district=world.district, default_place=world.compound_a1a)
    keys.bare, keys.bare_text = issue_key(name="没有默认地点", account=keys.account,
                                          district=world.district)
    keys.other_district = create_place(kind=K.DISTRICT, name="和谐区", code=OTHER_DISTRICT)
    street = create_place(kind=K.STREET, name="和谐街道", parent=keys.other_district)
    community = create_place(kind=K.COMMUNITY, name="和谐社区", parent=street)
    keys.other_compound = create_place(kind=K.COMPOUND, name="和谐小区", parent=community)
    officer = create_person(full_name="和谐区治理办", phone="13911110000",
                            username="other_district_officer")
    assign_role(officer, role=Role.DISTRICT_OFFICER, place=keys.other_district)
    keys.other, keys.other_text = issue_key(name="和谐区热线", account=officer,
                                            district=keys.other_district,
                                            default_place=keys.other_compound)
    return keys


@pytest.fixture
def keys(world):
    return issue_keys(world)
