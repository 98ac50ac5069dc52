import pytest

from tongxin.core.models import Event
from tongxin.kernel.errors import ServiceError
from tongxin.places.choices import PlaceKind as K
from tongxin.places.models import Place
from tongxin.places.services import create_place, rename_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def district():
    return create_place(kind=K.DISTRICT, name="同心区", code="990101")


def test_children_get_hierarchical_codes_in_order(district):
    street = create_place(kind=K.STREET, name="甲街道", parent=district)
    second = create_place(kind=K.STREET, name="乙街道", parent=district)
    community = create_place(kind=K.COMMUNITY, name="红星社区", parent=street)
    compound = create_place(kind=K.COMPOUND, name="幸福小区", parent=community)
    grid = create_place(kind=K.GRID, name="第1网格", parent=compound)
    subgrid = create_place(kind=K.GRID, name="第1-1网格", parent=grid)
    building = create_place(kind=K.BUILDING, name="1号楼", parent=subgrid)
    household = create_place(kind=K.HOUSEHOLD, name="101", parent=building)
    assert street.code == "990101001"
    assert second.code == "990101002"
    assert community.code == "990101001001"
    assert compound.code == "990101001001001"
    assert grid.code == "99010100100100101"
    assert subgrid.code == "9901010010010010101"
    assert building.code == "9901010010010010101001"
    assert household.code == "99010100100100101010010001"
    assert [p.depth for p in (district, street, community, compound, grid, subgrid)] == [0, 1, 2, 3, 4, 5]


def test_creating_a_place_leaves_an_event(district):
    street = create_place(kind=K.STREET, name="甲街道", parent=district)
    event = Event.objects.filter(action="place.created", subject_id=str(street.pk)).get()
    assert event.place_code == street.code and event.data["name"] == "甲街道"


@pytest.mark.parametrize("kind,parent_kind", [
    (K.COMMUNITY, K.DISTRICT), (K.HOUSEHOLD, K.DISTRICT), (K.STREET, None),
])
def test_a_place_cannot_stand_under_the_wrong_kind(district, kind, parent_kind):
    parent = district if parent_kind else None
    before = Place.objects.count()
    with pytest.raises(ServiceError) as refused:
        create_place(kind=kind, name="x", parent=parent, code="990102")
    assert refused.value.code == "place_bad_parent"
    assert Place.objects.count() == before


def test_grids_have_at_most_two_levels(district):
    street = create_place(kind=K.STREET, name="甲", parent=district)
    community = create_place(kind=K.COMMUNITY, name="乙", parent=street)
    compound = create_place(kind=K.COMPOUND, name="丙", parent=community)
    grid = create_place(kind=K.GRID, name="一级", parent=compound)
    subgrid = create_place(kind=K.GRID, name="二级", parent=grid)
    with pytest.raises(ServiceError) as refused:
        create_place(kind=K.GRID, name="三级", parent=subgrid)
    assert refused.value.code == "place_grid_too_deep"


def test_two_siblings_cannot_share_a_name(district):
    create_place(kind=K.STREET, name="甲街道", parent=district)
    with pytest.raises(ServiceError) as refused:
        create_place(kind=K.STREET, name=" 甲街道 ", parent=district)
    assert refused.value.code == "place_name_taken"


@pytest.mark.parametrize("code", ["", "12345", "abcdef", "9901011"])
def test_a_root_needs_a_six_digit_code(code):
    with pytest.raises(ServiceError) as refused:
        create_place(kind=K.DISTRICT, name="区", code=code)
    assert refused.value.code == "place_bad_code"
    assert not Place.objects.exists()


def test_an_empty_name_is_refused(district):
    with pytest.raises(ServiceError) as refused:
        create_place(kind=K.STREET, name="   ", parent=district)
    assert refused.value.code == "place_name_required"


def test_codes_run_out_with_a_clear_error(district):
    street = create_place(kind=K.STREET, name="甲", parent=district)
    community = create_place(kind=K.COMMUNITY, name="乙", parent=street)
    compound = create_place(kind=K.COMPOUND, name="丙", parent=community)
    Place.objects.create(kind=K.GRID, name="满", parent=compound, code=compound.code + "99", depth=4)
    with pytest.raises(ServiceError) as refused:
        create_place(kind=K.GRID, name="再一个", parent=compound)
    assert refused.value.code == "place_codes_exhausted"


def test_rename_keeps_the_code_and_records_old_and_new(district):
    street = create_place(kind=K.STREET, name="甲街道", parent=district)
    rename_place(street, name="新街道")
    street.refresh_from_db()
    assert (street.name, street.code) == ("新街道", "990101001")
    event = Event.objects.get(action="place.renamed")
    assert event.data == {"old": "甲街道", "new": "新街道"}
