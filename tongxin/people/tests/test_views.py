import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tongxin.people.choices import Role
from tongxin.people.services import create_person
from tongxin.places.choices import PlaceKind
from tongxin.places.services import create_place

pytestmark = pytest.mark.django_db


def add_residents(world, count, start):
    for n in range(start, start + count):
        household = create_place(kind=PlaceKind.HOUSEHOLD, name=f"2单元{n}", parent=world.b1)
        create_person(full_name=f"居民{n}", phone=f"1370000{n:04d}", household=household)


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_people_list_costs_the_same_queries_for_5_or_45_people(client, world):
    client.force_login(world.by_role[Role.GRID_WORKER])
    add_residents(world, 5, 100)
    few = queries_for(client, reverse("people:list"))
    add_residents(world, 40, 200)
    many = queries_for(client, reverse("people:list"))
    assert few == many


def test_the_place_page_costs_the_same_queries_for_few_or_many_households(client, world):
    client.force_login(world.by_role[Role.GRID_WORKER])
    url = reverse("places:detail", args=[world.b1.code])
    add_residents(world, 3, 100)
    few = queries_for(client, url)
    add_residents(world, 30, 200)
    assert queries_for(client, url) == few


def test_search_finds_by_name_or_phone_within_scope_only(client, world):
    client.force_login(world.by_role[Role.GRID_WORKER])
    names = lambda q: {p.full_name for p, _ in client.get(reverse("people:list"), {"q": q}).context["rows"]}  # noqa: E731
    assert names("张") == {"张小明", "张大明"}
    assert names(world.neighbour.phone[-4:]) == {"李邻"}
    assert names("孙外街") == set()  # lives in another street


def test_a_search_term_that_is_too_long_is_ignored_not_an_error(client, world):
    client.force_login(world.by_role[Role.GRID_WORKER])
    response = client.get(reverse("people:list"), {"q": "长" * 500})
    assert response.status_code == 200


def test_pages_are_in_english_when_asked(client, world):
    client.force_login(world.by_role[Role.GRID_WORKER])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("people:list")).content.decode()
    assert '<html lang="en">' in html and "People" in html
