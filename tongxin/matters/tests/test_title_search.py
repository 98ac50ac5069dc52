"""A title search cannot uncover a number the viewer sees masked (issue 16, item 1)."""

import pytest

from tongxin.matters import selectors
from tongxin.matters.selectors import MatterFilters
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db


def found(user, q):
    return set(selectors.matter_list(user, filters=MatterFilters(q=q)).values_list("pk", flat=True))


@pytest.mark.parametrize("typed", ["13900000001", "139 0000 0001", "139-0000-0001",
                                   "１３９０００００００１", "一三九零零零零零零零一",
                                   "139.0000.0001", "139\u00a00000\u00a00001", "139/0000/0001"])
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


MASKED_ROLES = [Role.BUILDING_HEAD, Role.LEGAL_ADVISER, Role.STREET_OFFICER,
                Role.DISTRICT_OFFICER]


@pytest.mark.parametrize("separator", [".", "\t", "\u00a0", "/", "、", " - "])
@pytest.mark.parametrize("role", MASKED_ROLES)
def test_two_titles_that_read_alike_are_found_alike_however_the_number_is_written(
        world, new_matter, role, separator):
    """Both read 138****0135 (issue 16, items 1 and 29): ?q=138.2468 lists both or neither."""
    from rest_framework.test import APIClient

    from tongxin.api.tokens import issue_token

    a, b = (new_matter(by=person, title=f"路灯坏了 电话{separator.join(('138', middle, '0135'))}")
            for person, middle in ((world.resident, "2468"), (world.neighbour, "2469")))
    viewer = world.by_role[role]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(viewer)[1]}")
    for q in (f"138{separator}2468", f"138{separator}2469", "2468", f"2468{separator}0135",
              "138****0135", "电话138"):
        listed = {row["id"] for row in client.get("/api/v1/matters/", {"q": q}).json()["results"]}
        assert (a.pk in listed) == (b.pk in listed), (q, listed)
        assert (a.pk in found(viewer, q)) == (b.pk in found(viewer, q)), q
    # What they see is what they can search for.
    assert {a.pk, b.pk} <= found(viewer, "138****0135")


def test_who_sees_a_title_whole_searches_it_as_typed(world, new_matter):
    a = new_matter(title="路灯坏了 电话138.2468.0135")
    grid = world.by_role[Role.GRID_WORKER]
    assert a.pk in found(grid, "138.2468") and a.pk in found(world.resident, "138.2468")
    assert a.pk in found(grid, "138****0135")  # and as it would read masked, harmlessly


def test_every_role_searches_a_title_as_it_reads_it(world, new_matter):
    """title_q agrees with rules.sees_raiser_contacts (text_as_seen) for every role, for a
    resident's matter and a walk-in's recorded by the grid worker."""
    from tongxin.matters import rules
    from tongxin.matters.models import Matter

    resident = new_matter(title="路灯坏了 电话138.2468.0135")
    walk_in = new_matter(by=world.by_role[Role.GRID_WORKER], title="路灯坏了 电话139.2468.0135",
                         place=world.b1, contact_name="李", contact_phone="13924680135")
    assert walk_in.reporter_id is None
    for role, viewer in world.by_role.items():
        for matter, typed in ((resident, "138.2468"), (walk_in, "139.2468")):
            if not Matter.objects.visible_to(viewer).filter(pk=matter.pk).exists():
                continue
            matter = Matter.objects.get(pk=matter.pk)
            whole = rules.sees_raiser_contacts(viewer, matter)
            assert (matter.pk in found(viewer, typed)) == whole, (role, matter.title)
            assert matter.pk in found(viewer, typed[:3] + "****0135"), role


def test_titles_from_before_the_column_are_filled_in_on_migration(world, new_matter):
    from importlib import import_module

    from django.apps import apps

    from tongxin.matters.models import Matter

    migration = import_module("tongxin.matters.migrations.0004_matter_title_masked")
    matter = new_matter(title="路灯坏了 电话138.2468.0135")
    plain = new_matter(title="3号楼路灯坏了")
    Matter.objects.update(title_masked="")  # as it was before this release
    migration.fill_title_masked(apps, None)
    assert Matter.objects.get(pk=matter.pk).title_masked == "路灯坏了 电话138****0135"
    assert Matter.objects.get(pk=plain.pk).title_masked == "3号楼路灯坏了"
    assert plain.pk in found(world.by_role[Role.BUILDING_HEAD], "3号楼")
