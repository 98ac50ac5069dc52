"""The pages, the REST API and Open311 read through the same selectors: the same rows for
the same filters and person, for every role; a fixed number of queries per list."""

import pytest
from django.urls import reverse

from tongxin.api.serializers import ACTION_SERIALIZERS
from tongxin.kernel.scope import PUBLIC
from tongxin.matters import actions, rules, selectors, services
from tongxin.matters.choices import Level, Status
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db


def raise_many(new_matter, count, start=0):
    return [new_matter(title=f"东门电动车乱停放第{n}次") for n in range(start, start + count)]


@pytest.fixture
def spread(world, new_matter, categories):
    """Matters all over the district, in several states and categories."""
    grid_worker = world.by_role[Role.GRID_WORKER]
    officer = world.by_role[Role.DISTRICT_OFFICER]
    clutter = categories["楼道堆物"]
    m = {
        "own": new_matter(),
        "neighbour": new_matter(title="楼道里堆满了纸箱", by=world.neighbour, category=clutter),
        "compound": new_matter(title="二号楼电动车充电乱拉线", by=world.same_compound),
        "community": new_matter(title="安居小区路灯不亮", by=world.same_community,
                                category=clutter),
        "street": new_matter(title="光明小区垃圾没人收", by=world.same_street),
        "other": new_matter(title="和平小区噪音扰民", by=world.other_street),
        "rejected": new_matter(title="重复提交的电动车问题"),
    }
    services.triage(m["neighbour"], by=grid_worker, kind="immediate")
    services.reject(m["rejected"], by=grid_worker, reason="duplicate")
    whistled = services.escalate(m["own"], by=grid_worker, reason="需要城管执法",
                                 to_level=Level.DISTRICT)
    services.whistle(whistled, by=officer, departments=[world.department], note="请城管到场")
    services.support(m["compound"], by=world.resident)
    return m


def page_ids(client, person, params):
    """Return the ids the matter list page shows ``person`` (None if the page is refused)."""
    client.force_login(person)
    response = client.get(reverse("matters:list"), params)
    if response.status_code == 403:
        return None
    assert response.status_code == 200
    assert not response.context["form"].errors, response.context["form"].errors
    return [m.pk for m in response.context["page"].object_list]


def api_ids(api, person, params):
    response = api(person).get("/api/v1/matters/", params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_page_and_the_api_list_the_same_rows_for_every_role(
        client, api, world, spread, categories):
    parking_top = categories["乱停乱放"].parent
    while parking_top.parent_id:
        parking_top = parking_top.parent
    # (page parameters, API parameters) for the same filters.
    cases = [
        ({}, {}),
        ({"status": Status.NEW}, {"status": Status.NEW}),
        ({"status": Status.IN_PROGRESS}, {"status": Status.IN_PROGRESS}),
        ({"status": Status.WHISTLED, "level": Level.DISTRICT},
         {"status": Status.WHISTLED, "owner_level": Level.DISTRICT}),
        ({"category": parking_top.pk}, {"category": parking_top.pk}),
        ({"place": world.compound_a1a.code}, {"place": world.compound_a1a.code}),
        ({"q": "电动车"}, {"q": "电动车"}),
        ({"q": "电动车", "place": world.community_a1.code, "overdue": "on"},
         {"q": "电动车", "place": world.community_a1.code, "overdue": "true"}),
    ]
    compared = set()
    for role, person in world.by_role.items():
        for page_params, api_params in cases:
            shown = page_ids(client, person, page_params)
            listed = api_ids(api, person, api_params)
            if shown is None:  # sees no matters by role: no list page (my matters: below)
                assert not rules.sees_matters(person), role
                continue
            assert shown == listed, (role, page_params)
            compared.add(role)
    assert len(compared) >= 12, compared  # every staff role was compared, not skipped
    # The filters matched something for someone (the comparison is not of empty lists).
    everything = api_ids(api, world.by_role[Role.SYSTEM_ADMIN], {})
    assert set(everything) == {m.pk for m in spread.values()}


def test_my_matters_page_and_the_api_mine_filter_list_the_same_rows(client, api, world, spread):
    for person in [world.resident, world.neighbour, world.by_role[Role.GRID_WORKER]]:
        client.force_login(person)
        shown = [m.pk for m in client.get(reverse("matters:mine")).context["page"].object_list]
        assert shown == api_ids(api, person, {"mine": "true"})
    assert len(api_ids(api, world.resident, {"mine": "true"})) == 3  # own, rejected, supported


def test_the_api_matter_list_costs_the_same_queries_for_3_and_12_rows(
        api, world, new_matter, django_assert_num_queries):
    raise_many(new_matter, 3)
    client = api(world.by_role[Role.COMMUNITY_SECRETARY])

    with django_assert_num_queries(5):
        few = client.get("/api/v1/matters/")
    raise_many(new_matter, 9, start=3)
    with django_assert_num_queries(5):
        many = client.get("/api/v1/matters/")

    assert few.json()["count"] == 3 and many.json()["count"] == 12


def test_open311_lists_exactly_the_selectors_public_rows(client, world, spread):
    response = client.get("/open311/v2/requests.json")
    assert response.status_code == 200
    listed = [int(row["service_request_id"]) for row in response.json()]

    public = [m.pk for m in selectors.public_requests(PUBLIC, district=world.district)]
    assert listed == public
    assert spread["rejected"].pk not in listed and spread["other"].pk in listed

    response = client.get("/open311/v2/requests.json",
                          {"service_request_id": str(spread["rejected"].pk)})
    assert [row["service_request_id"] for row in response.json()] == [str(spread["rejected"].pk)]


def test_open311_lists_cost_the_same_queries_for_3_and_12_rows(
        client, world, new_matter, django_assert_num_queries):
    raise_many(new_matter, 3)

    with django_assert_num_queries(3):
        few = client.get("/open311/v2/requests.json")
    raise_many(new_matter, 9, start=3)
    with django_assert_num_queries(3):
        many = client.get("/open311/v2/requests.json")

    assert len(few.json()) == 3 and len(many.json()) == 12


def test_every_api_action_is_dispatched_through_the_one_table():
    assert set(ACTION_SERIALIZERS) == set(actions.ACTIONS)
