"""A title search cannot uncover a number the viewer sees masked (issue 16, item 1)."""

import pytest

from tongxin.matters import selectors
from tongxin.matters.selectors import MatterFilters
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db


def found(user, q):
    return set(selectors.matter_list(user, filters=MatterFilters(q=q)).values_list("pk", flat=True))


@pytest.mark.parametrize("typed", ["13900000001", "139 0000 0001", "139-0000-0001",
                                   "１３９００００００００１", "一三九零零零零零零零一"])
def test_digits_find_a_title_with_a_number_only_for_those_who_see_it_whole(
        world, new_matter, typed):
    with_number = new_matter(title=f"路灯坏了请回电{typed}")
    plain = new_matter(title="3号楼路灯坏了")
    building_head = world.by_role[Role.BUILDING_HEAD]  # sees the reporter masked
    assert with_number.pk not in found(building_head, "0000")
    assert with_number.pk not in found(building_head, typed[:5])
    assert with_number.pk in found(building_head, "路灯")  # no numeral: the words still match
    assert plain.pk in found(building_head, "3号楼")
    grid = world.by_role[Role.GRID_WORKER]  # sees the reporter's phone whole
    assert with_number.pk in found(grid, typed[:5])
    assert with_number.pk in found(world.resident, typed[:5])  # their own


def test_numbers_in_chinese_numerals_do_not_make_matters_alike():
    from types import SimpleNamespace

    from tongxin.matters.similar import rank_similar

    a = SimpleNamespace(title="路灯坏了", description="请打一三九零零零零零零零一")
    b = SimpleNamespace(title="路灯坏了", description="请打一三九零零零零零零零二")
    ranked = rank_similar("一三九零零零零零零零一", [a, b])
    assert ranked == []  # a number alone matches nothing, let alone one of the two
    assert {id(c) for c in rank_similar("路灯坏了", [a, b])} == {id(a), id(b)}
