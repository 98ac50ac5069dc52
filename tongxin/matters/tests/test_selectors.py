"""The read layer: what each selector returns, and that every listing page costs a fixed
number of queries whatever its row count (3 rows, then 12)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tongxin.kernel.scope import PUBLIC
from tongxin.matters import actions, rules, selectors, services
from tongxin.matters.choices import Status
from tongxin.matters.selectors import MatterFilters
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db


def raise_many(new_matter, count, start=0):
    return [new_matter(title=f"东门电动车乱停放第{n}次") for n in range(start, start + count)]


def resolved(matter, world):
    grid_worker = world.by_role[Role.GRID_WORKER]
    services.triage(matter, by=grid_worker, kind="immediate")
    return services.resolve(matter, by=grid_worker, what_was_done="清理了东门口的电动车，划了停车线。",
                            basis="《物业管理条例》", standard="消防通道畅通")


def queries_of(call):
    """Return how many queries ``call()`` makes, and its result."""
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return len(captured), result


def assert_fixed_queries(django_assert_num_queries, expected, call, grow):
    """Assert ``call()`` makes ``expected`` queries with few rows, and again after ``grow()``."""
    with django_assert_num_queries(expected):
        few = call()
    grow()
    with django_assert_num_queries(expected):
        many = call()
    return few, many


# --- a fixed number of queries per listing ---------------------------------------------------


def test_the_staff_list_costs_the_same_queries_for_3_and_12_rows(
        client, world, new_matter, django_assert_num_queries):
    raise_many(new_matter, 3)
    client.force_login(world.by_role[Role.COMMUNITY_SECRETARY])

    # 11: the tenth reads the communities and compounds above the rows' places at once.
    few, many = assert_fixed_queries(
        django_assert_num_queries, 11, lambda: client.get(reverse("matters:list")),
        lambda: raise_many(new_matter, 9, start=3))

    assert len(few.context["page"].object_list) == 3
    assert len(many.context["page"].object_list) == 12


def test_the_inbox_costs_the_same_queries_for_3_and_12_rows(
        client, world, new_matter, django_assert_num_queries):
    raise_many(new_matter, 3)
    client.force_login(world.by_role[Role.GRID_WORKER])

    few, many = assert_fixed_queries(
        django_assert_num_queries, 10, lambda: client.get(reverse("matters:inbox")),
        lambda: raise_many(new_matter, 9, start=3))

    assert len(few.context["page"].object_list) == 3
    assert len(many.context["page"].object_list) == 12


def test_my_matters_cost_the_same_queries_for_3_and_12_rows(
        client, world, new_matter, django_assert_num_queries):
    raise_many(new_matter, 2)
    services.support(new_matter(title="楼道灯坏了好几天", by=world.neighbour), by=world.resident)
    client.force_login(world.resident)

    few, many = assert_fixed_queries(
        django_assert_num_queries, 10, lambda: client.get(reverse("matters:mine")),
        lambda: raise_many(new_matter, 9, start=2))

    assert len(few.context["page"].object_list) == 3
    assert len(many.context["page"].object_list) == 12


def test_the_board_costs_the_same_queries_for_3_and_12_rows(
        client, world, new_matter, django_assert_num_queries):
    for matter in raise_many(new_matter, 3):
        resolved(matter, world)
    client.force_login(world.by_role[Role.BUILDING_HEAD])  # an inspector: forms on every row
    url = reverse("matters:board", args=[world.compound_a1a.code])

    def grow():
        for matter in raise_many(new_matter, 9, start=3):
            resolved(matter, world)

    # 13: the twelfth reads the photos of the results (one query for every row).
    few, many = assert_fixed_queries(django_assert_num_queries, 13, lambda: client.get(url),
                                     grow)

    assert len(few.context["rows"]) == 3 and few.context["rows"][0]["inspect_form"]
    assert len(many.context["rows"]) == 12


# --- what the selectors return ---------------------------------------------------------------


def test_the_list_filters_are_one_definition_for_page_and_api(world, new_matter, categories):
    first, second = raise_many(new_matter, 2)
    services.triage(second, by=world.by_role[Role.GRID_WORKER], kind="immediate")
    secretary = world.by_role[Role.COMMUNITY_SECRETARY]

    def ids(**filters):
        return [m.pk for m in selectors.matter_list(secretary, filters=MatterFilters(**filters))]

    assert ids() == [second.pk, first.pk]
    assert ids(status=Status.NEW) == [first.pk]
    assert ids(q="第1次") == [second.pk]
    assert ids(place=world.compound_a1b.code) == []
    assert ids(category=categories["乱停乱放"].parent_id) == [second.pk, first.pk]
    assert MatterFilters.from_api({"owner_level": "grid", "q": "x"}) == MatterFilters(
        level="grid", q="x")


def test_the_inbox_lists_what_the_users_places_own_overdue_first(world, new_matter):
    from django.utils import timezone

    first, second = raise_many(new_matter, 2)
    first.due_at = timezone.now() - timezone.timedelta(hours=1)
    first.save(update_fields=["due_at"])

    waiting = selectors.inbox(world.by_role[Role.GRID_WORKER])
    assert waiting.handles and [m.pk for m in waiting.matters][:2] == [first.pk, second.pk]
    assert not selectors.inbox(world.resident).handles
    assert list(selectors.inbox(world.by_role[Role.DEPARTMENT_STAFF]).whistles) == []


def test_work_summary_counts_what_waits_for_a_handler(world, new_matter):
    raise_many(new_matter, 2)
    assert selectors.work_summary(world.by_role[Role.GRID_WORKER]) == {
        "open": 2, "new": 2, "overdue": 0}
    assert selectors.work_summary(world.by_role[Role.COMMUNITY_SECRETARY])["open"] == 2
    assert selectors.work_summary(world.resident) is None
    assert selectors.work_summary(world.by_role[Role.BUILDING_HEAD]) is None


def test_my_matters_are_those_raised_or_supported(world, new_matter):
    own = new_matter()
    supported = new_matter(title="楼道灯坏了好几天", by=world.neighbour)
    services.support(supported, by=world.resident)
    new_matter(title="别人的事情与我无关", by=world.neighbour)

    assert [m.pk for m in selectors.my_matters(world.resident)] == [supported.pk, own.pk]
    assert [m.pk for m in selectors.my_matters(world.resident, limit=1)] == [supported.pk]


def test_matter_detail_is_none_out_of_sight(world, new_matter):
    matter = new_matter()
    assert selectors.matter_detail(world.resident, matter.pk) == matter
    assert selectors.matter_detail(world.other_street, matter.pk) is None
    assert selectors.matter_detail(world.by_role[Role.GRID_WORKER], matter.pk,
                                   within=world.street_b.code) is None


def test_the_reporter_block_masks_as_the_viewer_may_see(world, new_matter):
    matter = selectors.matter_detail(world.resident, new_matter().pk)

    assert selectors.reporter_block(matter, world.resident)["is_self"]
    assert selectors.reporter_block(matter, world.neighbour) is None
    staff = selectors.reporter_block(matter, world.by_role[Role.GRID_WORKER])
    assert staff["name"] == world.resident.full_name and not staff["is_self"]


def test_offered_actions_leave_out_what_the_level_refuses(world, new_matter):
    matter = new_matter()
    grid_worker = world.by_role[Role.GRID_WORKER]
    assert "escalate" in selectors.offered_actions(matter, grid_worker)
    assert "whistle" not in selectors.offered_actions(matter, world.by_role[Role.DISTRICT_OFFICER])


def test_the_board_is_empty_for_someone_who_may_not_see_it(world, new_matter):
    resolved(new_matter(), world)
    assert selectors.board(world.compound_a1a, world.resident).count() == 1
    assert rules.may_see_board(world.same_compound, world.compound_a1a)
    assert not rules.may_see_board(world.other_street, world.compound_a1a)
    assert selectors.board(world.compound_a1a, world.other_street).count() == 0


def test_categories_for_a_person_are_those_of_their_district(world, categories):
    from tongxin.matters.models import Category

    active = Category.objects.filter(district=world.district, is_active=True)
    assert set(selectors.categories_for(world.resident)) == set(active)
    assert set(selectors.categories_for(world.district, top_level=True)) == set(
        active.filter(parent__isnull=True))
    assert set(selectors.categories_for(world.by_role[Role.PARTNER_MEMBER])) == set(active)
    assert not selectors.categories_for(world.other_street).exclude(
        district=world.district).exists()


def test_the_public_reads_every_matter_of_the_district_but_searches_leave_out_rejected(
        world, new_matter):
    kept, rejected = raise_many(new_matter, 2)
    services.reject(rejected, by=world.by_role[Role.GRID_WORKER], reason="duplicate")

    assert set(selectors.public_matters(PUBLIC, district=world.district)) == {kept, rejected}
    assert list(selectors.public_requests(PUBLIC, district=world.district)) == [kept]
    assert list(selectors.public_requests(PUBLIC, district=world.street_b)) == []


def test_every_action_has_one_dispatch_entry_and_every_transition_an_action():
    from tongxin.matters.transitions import TRANSITIONS

    assert set(TRANSITIONS) <= set(actions.ACTIONS)
    assert set(actions.ACTIONS) - set(TRANSITIONS) == {"rate", "inspect"}
    assert all(actions.guard_name(name) in TRANSITIONS for name in actions.ACTIONS)
    assert set(actions.PAGE_ACTIONS) == {name for name, a in actions.ACTIONS.items() if a.form}
