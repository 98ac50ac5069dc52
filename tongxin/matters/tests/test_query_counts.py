"""What each page of the loop costs in queries, pinned, and that it does not grow with the
rows behind it (more matters, more candidates, a longer timeline): an N+1 fails here.
The staff list and the inbox are pinned in test_selectors.py, the API's raise in
api/tests/test_query_counts.py."""

import pytest
from django.urls import reverse

from tongxin.matters import services
from tongxin.matters.tests.test_selectors import assert_fixed_queries, raise_many
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

PARAPHRASE = "东门口电动车停得乱七八糟，消防通道堵死了"


def test_the_me_too_search_costs_the_same_queries_for_1_and_5_offered_matters(
        client, world, new_matter, django_assert_num_queries):
    new_matter(by=world.neighbour)
    client.force_login(world.resident)

    def search():
        return client.get(reverse("matters:similar"), {"title": PARAPHRASE, "description": ""},
                          HTTP_HX_REQUEST="true")

    def grow():  # more candidates, several of them offered, by several raisers
        for n, who in enumerate([world.neighbour, world.same_compound, world.resident_b] * 3):
            new_matter(title=f"东门电动车乱停放第{n}次", by=who)

    # 10: session, person, the household and the places up to its compound (4), the
    # candidates (as tuples), own supports, the layout's unread notices and the person's
    # roles (2).
    few, many = assert_fixed_queries(django_assert_num_queries, 10, search, grow)

    assert len(few.context["rows"]) == 1
    assert len(many.context["rows"]) == 5


def test_the_raise_page_costs_a_fixed_number_of_queries(
        client, world, new_matter, django_assert_num_queries):
    client.force_login(world.resident)

    assert_fixed_queries(django_assert_num_queries, 12,
                         lambda: client.get(reverse("matters:raise")),
                         lambda: raise_many(new_matter, 5))


def test_raising_on_the_page_costs_a_fixed_number_of_queries(
        client, world, parking, new_matter, django_assert_num_queries):
    client.force_login(world.resident)
    keys = iter(range(100))

    def send():
        response = client.post(reverse("matters:raise"), {
            "title": "路灯坏了", "description": "3号楼前的路灯坏了一个星期，晚上看不见路。",
            "category": parking.pk, "place": "building", "idempotency_key": f"k{next(keys)}"})
        assert response.status_code == 302
        return response

    send()  # the first raise of the day opens the rate windows
    # 60 with the after-commit subscribers, which the tests run in line (conftest); six of
    # them are the hot-issue subscriber marking the street for a refresh.
    assert_fixed_queries(django_assert_num_queries, 60, send, lambda: raise_many(new_matter, 5))


def test_a_matter_page_costs_the_same_queries_with_a_longer_history(
        client, world, new_matter, django_assert_num_queries):
    matter = new_matter()
    grid_worker = world.by_role[Role.GRID_WORKER]
    client.force_login(grid_worker)
    url = reverse("matters:detail", args=[matter.pk])

    def grow():
        for who in (world.neighbour, world.same_compound, world.resident_b):
            services.support(matter, by=who)
        raise_many(new_matter, 5)

    client.get(url)  # the first page of the process reads the content types once
    assert_fixed_queries(django_assert_num_queries, 22, lambda: client.get(url), grow)


def test_a_heard_matter_page_costs_the_same_queries_with_a_longer_history(
        client, world, new_matter, django_assert_num_queries):
    matter = new_matter()
    grid_worker = world.by_role[Role.GRID_WORKER]
    services.triage(matter, by=grid_worker, kind="pending")
    client.force_login(grid_worker)
    url = reverse("matters:detail", args=[matter.pk])

    def grow():
        services.escalate(matter, by=grid_worker, reason="需要小区协调")
        for who in (world.neighbour, world.same_compound):
            services.support(matter, by=who)

    client.force_login(world.by_role[Role.COMPOUND_SECRETARY])
    client.get(url)
    assert_fixed_queries(django_assert_num_queries, 22, lambda: client.get(url), grow)


def test_the_record_page_costs_a_fixed_number_of_queries(
        client, world, new_matter, django_assert_num_queries):
    client.force_login(world.by_role[Role.GRID_WORKER])

    assert_fixed_queries(django_assert_num_queries, 9,
                         lambda: client.get(reverse("matters:record")),
                         lambda: raise_many(new_matter, 5))
