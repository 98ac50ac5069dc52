"""Phone and ID numbers typed into a matter's title or description are masked for whoever
may not see the raiser's contacts whole (issue 16, item 2), on the pages and the API, and
however the number is written (item 29)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tongxin.api.tokens import issue_token
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

TITLE = "路灯坏了请回电138 0010 0001"
DESCRIPTION = "东门路灯不亮，我的电话１３８００１００００１，身份证110105 19491231 002X，2026-12-06 起"
WHOLE = ("138 0010 0001", "１３８００１００００１", "110105 19491231 002X")
MASKED = ("138****0001", "110***********002X")
# Roles whose contact sight is masked, and roles who call residents (whole).
MASKED_ROLES = [Role.LEGAL_ADVISER, Role.STREET_OFFICER, Role.DISTRICT_OFFICER,
                Role.BUILDING_HEAD]
WHOLE_ROLES = [Role.GRID_WORKER, Role.COMPOUND_SECRETARY, Role.COMMUNITY_SECRETARY]


@pytest.fixture
def matter(new_matter):
    return new_matter(title=TITLE, description=DESCRIPTION)


def shows_masked(text):
    assert all(whole not in text for whole in WHOLE), text
    assert all(masked in text for masked in MASKED), text
    assert "2026-12-06" in text


def shows_whole(text):
    assert all(whole in text for whole in WHOLE), text


def api(person):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(person)[1]}")
    return client


# --- "me too" while typing ---------------------------------------------------------------------


def test_similar_matters_mask_the_numbers_another_resident_typed(client, world, matter):
    client.force_login(world.neighbour)

    response = client.get(reverse("matters:similar"),
                          {"title": "东门路灯不亮", "description": "路灯坏了晚上看不见"})

    assert [row["matter"].pk for row in response.context["rows"]] == [matter.pk]
    shows_masked(response.content.decode())


def test_similar_matters_show_the_raiser_their_own_text_whole(client, world, matter):
    client.force_login(world.resident)

    response = client.get(reverse("matters:similar"),
                          {"title": "东门路灯不亮", "description": "路灯坏了晚上看不见"})

    assert [row["matter"].pk for row in response.context["rows"]] == [matter.pk]
    assert "138 0010 0001" in response.content.decode()


def test_typing_a_number_in_chinese_numerals_does_not_find_a_matter_by_its_phone(
        client, world, new_matter):
    new_matter(title="请联系一三八零零一零零零零一", description="一三八零零一零零零零一")
    client.force_login(world.neighbour)

    response = client.get(reverse("matters:similar"),
                          {"title": "一三八零零一零零零零一", "description": "一三八零零一"})

    assert response.context["rows"] == []


# --- the matter page and the lists ---------------------------------------------------------------


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_the_matter_page_masks_numbers_for_roles_that_see_contacts_masked(
        client, world, matter, role):
    client.force_login(world.by_role[role])

    response = client.get(reverse("matters:detail", args=[matter.pk]))

    assert response.status_code == 200
    shows_masked(response.content.decode())


@pytest.mark.parametrize("role", WHOLE_ROLES)
def test_the_matter_page_shows_numbers_whole_to_roles_that_call_residents(
        client, world, matter, role):
    client.force_login(world.by_role[role])

    response = client.get(reverse("matters:detail", args=[matter.pk]))

    shows_whole(response.content.decode())


def test_the_raiser_sees_their_own_text_whole_and_a_supporter_sees_it_masked(
        client, world, matter):
    from tongxin.matters import services

    services.support(matter, by=world.neighbour)
    client.force_login(world.resident)
    shows_whole(client.get(reverse("matters:detail", args=[matter.pk])).content.decode())

    client.force_login(world.neighbour)
    page = client.get(reverse("matters:detail", args=[matter.pk])).content.decode()
    shows_masked(page)
    mine = client.get(reverse("matters:mine")).content.decode()
    assert "138 0010 0001" not in mine and "138****0001" in mine


def test_the_matter_list_masks_titles_for_a_building_head(client, world, matter):
    client.force_login(world.by_role[Role.BUILDING_HEAD])
    listed = client.get(reverse("matters:list")).content.decode()
    assert "138 0010 0001" not in listed and "138****0001" in listed

    client.force_login(world.by_role[Role.GRID_WORKER])
    assert "138 0010 0001" in client.get(reverse("matters:list")).content.decode()


def test_a_walk_ins_numbers_are_whole_only_for_those_who_handle_the_matter(
        client, world, parking):
    from tongxin.matters import services

    grid_worker = world.by_role[Role.GRID_WORKER]
    matter = services.raise_matter(by=grid_worker, title=TITLE, description=DESCRIPTION,
                                   category=parking, place=world.b1, contact_name="李邻",
                                   contact_phone="13900001111")
    client.force_login(grid_worker)
    shows_whole(client.get(reverse("matters:detail", args=[matter.pk])).content.decode())

    # As on the reporter line: the walk-in's phone is whole for handlers only.
    client.force_login(world.by_role[Role.LEGAL_ADVISER])
    shows_masked(client.get(reverse("matters:detail", args=[matter.pk])).content.decode())


# --- the API ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MASKED_ROLES)
def test_the_api_masks_numbers_in_a_matter_and_its_list(world, matter, role):
    client = api(world.by_role[role])

    detail = client.get(f"/api/v1/matters/{matter.pk}/").json()
    listed = client.get("/api/v1/matters/").json()

    assert detail["title"] == "路灯坏了请回电138****0001"
    shows_masked(detail["description"])
    assert [m["title"] for m in listed["results"] if m["id"] == matter.pk] == [detail["title"]]


def test_the_api_shows_numbers_whole_to_the_raiser_and_the_grid_worker(world, matter):
    for person in (world.resident, world.by_role[Role.GRID_WORKER]):
        detail = api(person).get(f"/api/v1/matters/{matter.pk}/").json()
        assert detail["title"] == TITLE
        assert detail["description"] == DESCRIPTION


def test_a_supporters_data_export_masks_the_numbers_in_anothers_title(client, world, matter):
    from tongxin.matters import services

    services.support(matter, by=world.neighbour)
    client.force_login(world.neighbour)

    data = client.get(reverse("privacy:export", args=["json"])).json()

    assert data["supports"][0]["title"] == "路灯坏了请回电138****0001"


# --- every way of writing a number, on every interface --------------------------------------

VARIANTS = {
    "13800100001": "138****0001", "+86 13800100001": "+86 138****0001",
    "138 0010 0001": "138****0001", "138-0010-0001": "138****0001",
    "１３８００１００００１": "138****0001", "一三八零零一零零零零一": "138****0001",
    "110105 19491231 002X": "110***********002X", "110105194912310021": "110***********0021",
    "138\u00a00010\u00a00001": "138****0001", "138\n0010\n0001": "138****0001",
    "138/0010/0001": "138****0001", "138、0010、0001": "138****0001",
    "13800100001xiaoli": "138****0001xiaoli", "壹叁捌零零壹零零零零壹": "138****0001",
    "110105\u00a019491231\u00a0002X": "110***********002X",
}


@pytest.mark.parametrize(("written", "shown"), VARIANTS.items())
def test_every_way_of_writing_a_number_is_masked_on_the_page_and_the_api(
        client, world, new_matter, written, shown):
    matter = new_matter(title="请回电", description=f"电话{written}，2026-12-06 起，诉求 2026-000043")
    street = world.by_role[Role.STREET_OFFICER]
    client.force_login(street)

    page = client.get(reverse("matters:detail", args=[matter.pk])).content.decode()
    detail = api(street).get(f"/api/v1/matters/{matter.pk}/").json()

    assert written not in page and f"电话{shown}，" in page
    assert detail["description"] == f"电话{shown}，2026-12-06 起，诉求 2026-000043"


def test_hot_issue_groups_carry_no_whole_number(world, new_matter):
    from tongxin.hotspots.services import matter_items

    matter = new_matter(title=TITLE, description=DESCRIPTION)

    (item,) = matter_items([matter])

    shows_masked(f"{item.title} {item.text}")
