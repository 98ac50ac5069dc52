import pytest

from tongxin.kernel.paths import minimal_roots
from tongxin.places.models import Place

pytestmark = pytest.mark.django_db


def test_within_returns_the_subtree_and_nothing_beside_it(world):
    codes = set(Place.objects.within(world.compound_a1a).values_list("code", flat=True))
    expected = {p.code for p in (world.compound_a1a, world.g1, world.g2, world.b1, world.b2,
                                 world.h1, world.h2, world.h3)}
    assert codes == expected


def test_within_can_leave_out_the_place_itself(world):
    assert world.g1 not in world.g1.descendants()
    assert set(world.g1.descendants()) == {world.b1, world.h1, world.h2}


def test_a_sibling_whose_code_shares_digits_is_not_inside(world):
    # Street 990101001 must not contain street 990101002's places, nor the other way.
    assert not Place.objects.within(world.street_a).filter(pk=world.h6.pk).exists()
    assert not Place.objects.within(world.street_b).filter(pk=world.h1.pk).exists()


def test_ancestors_come_top_first_in_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = [p.name for p in world.h1.ancestors()]
    assert names == ["同心区", "同心街道", "红星社区", "幸福小区", "第1网格", "1号楼"]


def test_full_name_is_an_address(world):
    assert world.h1.full_name == "同心区 同心街道 红星社区 幸福小区 1号楼 1单元101"


def test_minimal_roots_drops_nested_codes():
    assert minimal_roots(["990101001", "990101", "990102", "990101001002"]) == ["990101", "990102"]


@pytest.mark.parametrize("code,bound", [
    ("4401", "4402"), ("4409", "441"), ("990101", "990102"), ("1999", "2"), ("999", None),
])
def test_the_subtree_bound_is_a_digit_string(code, bound):
    from tongxin.kernel.paths import upper_bound

    assert upper_bound(code) == bound


def test_a_subtree_under_a_code_of_nines_has_no_upper_bound():
    from tongxin.places.choices import PlaceKind as K
    from tongxin.places.services import create_place

    nines = create_place(kind=K.DISTRICT, name="九区", code="999999")
    street = create_place(kind=K.STREET, name="九街", parent=nines)
    other = create_place(kind=K.DISTRICT, name="八区", code="999998")
    assert set(Place.objects.within(nines)) == {nines, street}
    assert other not in Place.objects.within(nines)


def test_subtrees_hold_under_a_language_aware_collation(world):
    """A production database may default to an ICU collation, where ":" sorts before digits."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("collations are a PostgreSQL matter")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu'")
        if cursor.fetchone() is None:
            pytest.skip("this PostgreSQL has no ICU")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks during ALTER
        cursor.execute('ALTER TABLE places_place ALTER COLUMN code TYPE varchar(32) COLLATE "und-x-icu"')
    codes = set(Place.objects.within(world.compound_a1a).values_list("code", flat=True))
    assert codes == {p.code for p in (world.compound_a1a, world.g1, world.g2, world.b1, world.b2,
                                      world.h1, world.h2, world.h3)}
