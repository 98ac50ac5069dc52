"""The compound board (公示栏) for those who inspect on it: building heads and owners'
committees find it from their menu and home page, and it shows the result's photos,
served through the photo view to those who may see that board only."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tongxin.matters import services
from tongxin.matters.choices import Kind
from tongxin.matters.models import Photo
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

INSPECTORS = [Role.BUILDING_HEAD, Role.OWNERS_COMMITTEE]


def jpeg(colour=(30, 120, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, "JPEG")
    return SimpleUploadedFile("result.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def published(world, new_matter):
    """A matter in b1 resolved with a photo of the result (and raised with one)."""
    grid = world.by_role[Role.GRID_WORKER]
    matter = new_matter(photos=[jpeg((200, 0, 0))])
    services.triage(matter, by=grid, kind=Kind.IMMEDIATE)
    services.resolve(matter, by=grid, what_was_done="划定了电动车停放区", basis="物业管理规定",
                     standard="消防通道畅通", photos=[jpeg()])
    return matter


def board_url(world):
    return reverse("matters:board", args=[world.compound_a1a.code])


@pytest.mark.parametrize("role", INSPECTORS, ids=lambda r: r.value)
def test_an_inspector_finds_the_board_in_the_menu_and_on_the_home_page(client, world, role):
    client.force_login(world.by_role[role])
    html = client.get(reverse("core:home")).content.decode()
    menu = html.split('class="mainnav"')[1].split("</nav>")[0]
    assert f'href="{reverse("matters:boards")}"' in menu
    main = html.split("<main")[1]
    assert f'href="{board_url(world)}"' in main
    response = client.get(reverse("matters:boards"))
    assert response.status_code == 302 and response["Location"] == board_url(world)


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.DEPARTMENT_STAFF, Role.LEGAL_ADVISER])
def test_roles_that_do_not_inspect_have_no_board_in_the_menu(client, world, role):
    client.force_login(world.by_role[role])
    html = client.get(reverse("core:home")).content.decode()
    menu = html.split('class="mainnav"')[1].split("</nav>")[0]
    assert reverse("matters:boards") not in menu


def test_a_resident_goes_to_the_board_of_their_own_compound(client, world):
    client.force_login(world.resident)
    response = client.get(reverse("matters:boards"))
    assert response.status_code == 302 and response["Location"] == board_url(world)


def test_someone_without_a_board_is_told_so(client, world):
    client.force_login(world.by_role[Role.DEPARTMENT_STAFF])
    assert client.get(reverse("matters:boards")).status_code == 404


def test_the_board_shows_the_photos_of_the_result_not_those_of_the_raise(client, world,
                                                                         published):
    result = Photo.objects.get(matter=published, event__action="resolved")
    raised = Photo.objects.get(matter=published, event__action="raised")
    client.force_login(world.by_role[Role.OWNERS_COMMITTEE])
    html = client.get(board_url(world)).content.decode()
    article = html.split(f'id="matter-{published.pk}"')[1].split("</article>")[0]
    assert f'src="{reverse("matters:photo", args=[result.pk])}"' in article
    assert reverse("matters:photo", args=[raised.pk]) not in article


@pytest.mark.parametrize("who,status", [
    ("owners_committee", 200), ("building_head", 200), ("resident", 200), ("neighbour", 200),
    ("property_staff", 200), ("grid_worker", 200),
    ("department_staff", 200), ("same_community", 404), ("other_street", 404),
])
def test_a_result_photo_opens_for_whoever_may_see_the_board(client, world, published, who,
                                                            status):
    result = Photo.objects.get(matter=published, event__action="resolved")
    person = getattr(world, who, None) or world.by_role[Role(who)]
    client.force_login(person)
    response = client.get(reverse("matters:photo", args=[result.pk]))
    assert response.status_code == status, who


@pytest.mark.parametrize("who,status", [
    ("owners_committee", 404), ("neighbour", 404), ("property_staff", 404),
    ("resident", 200), ("building_head", 200),
])
def test_the_raise_photo_stays_with_those_who_see_the_matter(client, world, published, who,
                                                            status):
    raised = Photo.objects.get(matter=published, event__action="raised")
    person = getattr(world, who, None) or world.by_role[Role(who)]
    client.force_login(person)
    assert client.get(reverse("matters:photo", args=[raised.pk])).status_code == status, who


def test_the_board_costs_the_same_queries_for_one_and_three_results(
        client, world, new_matter, published, django_assert_max_num_queries):
    client.force_login(world.by_role[Role.OWNERS_COMMITTEE])
    with django_assert_max_num_queries(14):
        client.get(board_url(world))
    grid = world.by_role[Role.GRID_WORKER]
    for n in range(2):
        matter = new_matter(title=f"第{n}件")
        services.triage(matter, by=grid, kind=Kind.IMMEDIATE)
        services.resolve(matter, by=grid, what_was_done="已处理", basis="规定", standard="达标",
                         photos=[jpeg()])
    with django_assert_max_num_queries(14):
        html = client.get(board_url(world)).content.decode()
    assert html.count("data-result-photo>") == 3
