"""The staff list at city scale (issue 12): a capped count, keyset pages, the top-level
category kept on the matter, title search served by an index, visibility unchanged."""

import importlib
import re

import pytest
from django.db import connection
from django.urls import reverse

from tongxin.kernel.scope import forget_scope
from tongxin.matters import selectors, services
from tongxin.matters.choices import Kind
from tongxin.matters.models import Category, Matter
from tongxin.matters.selectors import MatterFilters
from tongxin.matters.views import staff
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db


def raise_titled(new_matter, titles):
    return [new_matter(title=title) for title in titles]


# --- a capped count ----------------------------------------------------------------------------


def test_the_list_says_cap_plus_beyond_the_cap_and_the_exact_count_below(
        client, world, new_matter, settings):
    settings.TONGXIN_LIST_COUNT_CAP = 3
    raise_titled(new_matter, ["楼道灯坏了一号", "楼道灯坏了二号", "楼道灯坏了三号"])
    client.force_login(world.by_role[Role.COMMUNITY_SECRETARY])

    below = client.get(reverse("matters:list"))
    assert below.context["counted"].count == 3 and not below.context["counted"].more

    new_matter(title="楼道灯坏了四号")
    above = client.get(reverse("matters:list"))
    counted = above.context["counted"]
    assert (counted.count, counted.more) == (3, True)
    assert re.search(r"data-count>\s*3\+", above.content.decode())
    assert len(above.context["page"].object_list) == 4  # the rows are all there


def test_the_count_reads_at_most_cap_plus_one_rows(world, new_matter, settings):
    settings.TONGXIN_LIST_COUNT_CAP = 10_000
    raise_titled(new_matter, ["一", "二"])
    matters = selectors.matter_list(world.by_role[Role.COMMUNITY_SECRETARY])
    assert selectors.capped_count(matters, cap=1) == selectors.CappedCount(1, 1, True)
    assert selectors.capped_count(matters).cap_text == "10,000"


# --- keyset pages -------------------------------------------------------------------------------


def test_keyset_pages_give_every_row_exactly_once_while_matters_are_raised(world, new_matter):
    before = raise_titled(new_matter, [f"第{n}件事项" for n in range(8)])
    viewer = world.by_role[Role.COMMUNITY_SECRETARY]
    seen, after, pages = [], None, 0
    while True:
        page = selectors.keyset_page(selectors.matter_list(viewer), after=after, size=3)
        seen += [m.pk for m in page]
        pages += 1
        new_matter(title=f"翻页时新提的事{pages}")  # raised between two pages
        if page.older is None:
            break
        after = selectors.decode_cursor(page.older)
    assert sorted(seen) == sorted(m.pk for m in before)
    assert len(seen) == len(set(seen)) and pages == 3

    # Back towards the newest: the page before the last is the one seen before it.
    last = selectors.keyset_page(selectors.matter_list(viewer), after=after, size=3)
    back = selectors.keyset_page(selectors.matter_list(viewer),
                                 before=selectors.decode_cursor(last.newer), size=3)
    assert [m.pk for m in back] == seen[3:6]


def test_the_list_page_links_to_older_and_newer_rows_without_javascript(
        client, world, new_matter, monkeypatch):
    monkeypatch.setattr(staff, "PAGE_SIZE", 2)
    made = raise_titled(new_matter, ["东门", "西门", "南门", "北门", "中门"])
    client.force_login(world.by_role[Role.COMMUNITY_SECRETARY])
    url, seen = reverse("matters:list") + "?status=new", []
    for _n in range(5):
        response = client.get(url)
        seen += [m.pk for m in response.context["page"].object_list]
        older = re.search(r'href="([^"]+)" rel="next"', response.content.decode())
        if older is None:
            break
        url = reverse("matters:list") + older.group(1).replace("&amp;", "&")
        assert "status=new" in url and "after=" in url
    assert seen == [m.pk for m in reversed(made)]
    assert 'rel="prev"' in response.content.decode()


def test_numbered_pages_still_answer(client, world, new_matter, monkeypatch):
    monkeypatch.setattr(staff, "PAGE_SIZE", 2)
    made = raise_titled(new_matter, ["东门", "西门", "南门"])
    client.force_login(world.by_role[Role.COMMUNITY_SECRETARY])
    response = client.get(reverse("matters:list") + "?page=2")
    assert [m.pk for m in response.context["page"].object_list] == [made[0].pk]


def test_a_cursor_that_is_not_one_shows_the_first_page(client, world, new_matter):
    made = new_matter()
    client.force_login(world.by_role[Role.COMMUNITY_SECRETARY])
    response = client.get(reverse("matters:list") + "?after=nonsense&before=2026-x")
    assert response.status_code == 200
    assert [m.pk for m in response.context["page"].object_list] == [made.pk]


# --- the top-level category on the matter -------------------------------------------------------


def top_of(category):
    while category.parent_id:
        category = category.parent
    return category


def test_the_top_category_follows_raising_and_every_recategorisation(
        world, new_matter, categories):
    parking = categories["乱停乱放"]
    elsewhere = next(c for c in Category.objects.filter(district=world.district, depth=2)
                     if top_of(c) != top_of(parking))
    matter = new_matter()
    assert matter.top_category == top_of(parking)
    grid_worker = world.by_role[Role.GRID_WORKER]

    services.recategorise(matter, by=grid_worker, category=elsewhere)
    matter.refresh_from_db()
    assert matter.top_category == top_of(elsewhere)

    services.triage(matter, by=grid_worker, kind=Kind.IMMEDIATE, category=parking)
    matter.refresh_from_db()
    assert matter.top_category == top_of(parking)

    top_level = top_of(elsewhere)
    Matter.objects.get(pk=matter.pk).save()  # a save that does not move it keeps it
    matter.category = top_level
    matter.save(update_fields=["category"])
    matter.refresh_from_db()
    assert matter.top_category == top_level


def test_the_migration_fills_the_top_category_of_existing_matters(world, new_matter, categories):
    matter = new_matter()
    Matter.objects.update(top_category=None)
    migration = importlib.import_module(
        "tongxin.matters.migrations.0005_matter_list_indexes_top_category")
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL_TOP_CATEGORY)
    matter.refresh_from_db()
    assert matter.top_category == top_of(categories["乱停乱放"])


def test_the_category_filter_finds_matters_below_any_level(world, new_matter, categories):
    parking = categories["乱停乱放"]
    matter = new_matter()
    viewer = world.by_role[Role.COMMUNITY_SECRETARY]

    def found(category):
        filters = MatterFilters(category=category.pk)
        return list(selectors.matter_list(viewer, filters=filters).values_list("pk", flat=True))

    assert found(parking) == found(parking.parent) == found(top_of(parking)) == [matter.pk]
    other = next(c for c in Category.objects.filter(district=world.district, parent=None)
                 if c != top_of(parking))
    assert found(other) == []


# --- title search -------------------------------------------------------------------------------


def test_search_finds_two_and_three_character_chinese_substrings(world, new_matter):
    lamp, drain = raise_titled(new_matter, ["小区门口路灯不亮了", "三号楼下水道堵塞"])
    viewer = world.by_role[Role.COMMUNITY_SECRETARY]

    def found(term):
        matters = selectors.matter_list(viewer, filters=MatterFilters(q=term))
        return set(matters.values_list("pk", flat=True))

    assert found("路灯") == {lamp.pk}
    assert found("下水道") == {drain.pk}
    assert found("水道堵塞") == {drain.pk}
    assert found("灯") == {lamp.pk}  # one character: no pair, still found
    assert found("灯路") == set()  # the pairs of a term, in order: not any two characters
    assert found("路灯不亮了吗") == set()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pair index is PostgreSQL's")
def test_postgresql_serves_the_title_search_from_the_pair_index(world, new_matter):
    """The search condition is one an index serves: with a few rows the planner would read
    them all, so reading all is priced out; which plan the whole list takes depends on the
    table's statistics (bench-scale shows it at 1 M), the condition's own does not."""
    from tongxin.matters.lookups import contains_q

    new_matter(title="小区门口路灯不亮了")
    with connection.cursor() as cursor:  # only an index condition is left to read by
        for scan in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
    for field in ("title", "title_masked"):
        for term in ("路灯", "下水道"):
            plan = Matter.objects.filter(contains_q(field, term)).order_by().explain()
            assert f"matter_{field}" in plan and "bigrams" in plan, plan


# --- visibility: the same rows as the subqueries it replaced ------------------------------------


def test_every_role_sees_the_same_rows_as_with_plain_in_subqueries(
        world, new_matter, monkeypatch):
    mine = new_matter()
    services.support(new_matter(title="楼道灯坏了好几天", by=world.neighbour), by=world.resident)
    new_matter(title="别处的事", by=world.neighbour)
    people = [world.resident, world.neighbour, *world.by_role.values()]

    def rows():
        result = {}
        for person in people:
            forget_scope(person)
            result[person.pk] = sorted(
                selectors.matter_list(person).values_list("pk", flat=True))
        return result

    now = rows()
    from django.db.models import Q

    import tongxin.matters.models as models
    import tongxin.matters.rules as rules

    def plain(field, queryset):
        return Q(**{f"{field}__in": queryset})

    monkeypatch.setattr(models, "in_subquery_q", plain)
    monkeypatch.setattr(rules, "in_subquery_q", plain)
    assert rows() == now
    assert mine.pk in now[world.resident.pk]


def test_the_inbox_says_cap_plus_beyond_the_cap(client, world, new_matter, settings):
    settings.TONGXIN_LIST_COUNT_CAP = 2
    raise_titled(new_matter, ["楼道灯坏了一号", "楼道灯坏了二号", "楼道灯坏了三号"])
    client.force_login(world.by_role[Role.GRID_WORKER])
    response = client.get(reverse("matters:inbox"))
    assert response.context["page"].paginator.capped
    assert len(response.context["page"].object_list) == 3  # the page is not cut at the cap
    assert re.search(r"data-count>\s*2\+", response.content.decode())
