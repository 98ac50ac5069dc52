"""The 长辈版 (elder mode) of the resident's pages: one action per screen.

说事 goes one step per screen (what, where, a photo, check and send), kept on the server
so it works without JavaScript; nothing is filed until the last screen is sent. 我的诉求
is a list of big cards in plain words; the matter page shows the one action that matters
now, the rest behind 其他操作; 评价 is a screen of its own.
"""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from tongxin.matters import services
from tongxin.matters.categories import NEIGHBOURHOOD
from tongxin.matters.choices import Kind, Status
from tongxin.matters.models import Matter, MatterEvent, Photo
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db

RAISE = reverse("matters:raise")
MINE = reverse("matters:mine")
TEXT = "楼下的路灯坏了一个星期。晚上出门看不见路，怕摔倒。"


def step(name):
    return reverse("matters:raise_step", args=[name])


@pytest.fixture
def client(client):
    """A client that reads the pages in English, the source language of the messages."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def elder(person):
    person.elder_mode = True
    person.save(update_fields=["elder_mode"])
    return person


@pytest.fixture
def elder_client(client, world, categories):
    client.force_login(elder(world.resident))
    return client


def counts():
    return (Matter.objects.count(), MatterEvent.objects.count(), Photo.objects.count())


def jpeg(name="lamp.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def submit_buttons(html):
    """The buttons of the page's main form (not the footer's switches)."""
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    return re.findall(r"<button[^>]*type=\"submit\"[^>]*>(.*?)</button>", main, re.S)


def walk_to_check(client, *, place="building", photos=None):
    assert client.post(step("what"), {"description": TEXT})["Location"] == step("where")
    assert client.post(step("where"), {"place": place})["Location"] == step("photos")
    data = {"photos": photos} if photos else {}
    assert client.post(step("photos"), data)["Location"] == step("check")


# --- 说事, one step per screen ------------------------------------------------------------


def test_the_elder_raise_page_is_the_first_step_one_text_with_the_voice_hint(elder_client):
    response = elder_client.get(RAISE)
    html = response.content.decode()

    assert response.status_code == 200
    assert "Step 1 of 4" in html
    assert re.search(r'<form[^>]*action="%s"' % step("what"), html)
    assert re.findall(r"<(?:input|textarea|select)[^>]*name=\"(\w+)\"", html.split("<main")[1]
                      .split("</main>")[0]) == ["csrfmiddlewaretoken", "description"]
    assert "You can press the microphone on the keyboard and speak." in html
    assert [b.strip() for b in submit_buttons(html)] == ["Next"]
    assert 'name="title"' not in html and "Category" not in html


def test_the_standard_raise_page_is_unchanged(client, world, categories):
    client.force_login(world.resident)
    html = client.get(RAISE).content.decode()
    assert 'name="title"' in html and 'name="category"' in html and "Step 1" not in html
    assert client.get(step("what"))["Location"] == RAISE  # the steps are the elder mode's


def test_a_resident_raises_a_matter_step_by_step_and_nothing_is_filed_before_the_end(
        elder_client, world):
    before = counts()
    assert elder_client.post(step("what"), {"description": TEXT})["Location"] == step("where")

    where = elder_client.get(step("where")).content.decode()
    assert "Step 2 of 4" in where
    home = re.search(r'<input type="radio" name="place" value="building"[^>]*>', where).group(0)
    assert "checked" in home and world.b1.name in where  # their home, chosen already
    assert f'href="{step("what")}"' in where  # 返回
    assert elder_client.post(step("where"), {"place": "compound"})["Location"] == step("photos")

    photos = elder_client.get(step("photos")).content.decode()
    assert "Step 3 of 4" in photos and 'type="file"' in photos
    assert [b.strip() for b in submit_buttons(photos)] == ["Next"]
    assert elder_client.post(step("photos"), {"photos": jpeg()})["Location"] == step("check")

    check = elder_client.get(step("check")).content.decode()
    assert "Step 4 of 4" in check and TEXT in check
    assert world.compound_a1a.name in check and "1 photo" in check
    assert [b.strip() for b in submit_buttons(check)] == ["Send it"]
    assert counts() == before  # nothing filed yet

    response = elder_client.post(step("check"))
    matter = Matter.objects.get()
    assert response["Location"] == reverse("matters:detail", args=[matter.pk])
    assert (matter.reporter, matter.place, matter.description) == (world.resident, world.compound_a1a, TEXT)
    assert matter.title == "楼下的路灯坏了一个星期"
    assert matter.category.name == NEIGHBOURHOOD  # left to the grid worker to file
    assert matter.photos.count() == 1
    assert matter.publish_consent is False


def test_a_photo_is_optional(elder_client, world):
    walk_to_check(elder_client)
    assert "No photos" in elder_client.get(step("check")).content.decode()
    elder_client.post(step("check"))
    matter = Matter.objects.get()
    assert (matter.place, matter.photos.count()) == (world.b1, 0)


def test_going_back_shows_what_was_entered(elder_client):
    walk_to_check(elder_client, place="compound")
    check = elder_client.get(step("check")).content.decode()
    assert f'href="{step("photos")}"' in check

    what = elder_client.get(step("what")).content.decode()
    assert re.search(r"<textarea[^>]*>\s*" + re.escape(TEXT) + r"</textarea>", what)
    where = elder_client.get(step("where")).content.decode()
    chosen = re.search(r'<input type="radio" name="place" value="compound"[^>]*>', where).group(0)
    assert "checked" in chosen

    elder_client.post(step("what"), {"description": "电梯坏了，老人上不了楼"})
    assert "电梯坏了，老人上不了楼" in elder_client.get(step("check")).content.decode()


@pytest.mark.parametrize(("name", "data"), [
    ("what", {"description": ""}),
    ("what", {"description": "   "}),
    ("where", {"place": "elsewhere"}),
])
def test_a_refused_step_shows_the_error_summary_and_stays(elder_client, name, data):
    if name != "what":
        elder_client.post(step("what"), {"description": TEXT})
    before = counts()
    response = elder_client.post(step(name), data)
    html = response.content.decode()

    assert response.status_code == 200
    assert 'id="error-summary"' in html and 'role="alert"' in html
    assert re.search(r"<title>Error: ", html)
    assert counts() == before


def test_a_photo_that_is_not_one_is_refused_on_its_step(elder_client):
    elder_client.post(step("what"), {"description": TEXT})
    elder_client.post(step("where"), {"place": "building"})
    fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = elder_client.post(step("photos"), {"photos": fake})
    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()
    assert Matter.objects.count() == 0


def test_a_later_step_without_the_earlier_ones_goes_back_to_them(elder_client):
    elder_client.get(RAISE)
    assert elder_client.get(step("check"))["Location"] == step("what")
    elder_client.post(step("what"), {"description": TEXT})
    assert elder_client.post(step("check"))["Location"] == step("where")
    assert Matter.objects.count() == 0
    assert elder_client.get(step("nowhere")).status_code == 404


def test_sending_twice_files_one_matter(elder_client):
    walk_to_check(elder_client, photos=jpeg())
    first = elder_client.post(step("check"))
    second = elder_client.post(step("check"))

    matter = Matter.objects.get()
    assert first["Location"] == second["Location"] == reverse("matters:detail", args=[matter.pk])
    assert matter.photos.count() == 1


def test_after_sending_the_raise_page_starts_afresh(elder_client):
    walk_to_check(elder_client)
    elder_client.post(step("check"))
    html = elder_client.get(RAISE).content.decode()
    assert TEXT not in html
    assert elder_client.get(step("check"))["Location"] == step("what")


@override_settings(TONGXIN_RATE_LIMITS={"raise": (1, 3600)})
def test_the_raise_limit_still_holds(elder_client, world):
    walk_to_check(elder_client)
    elder_client.post(step("check"))
    walk_to_check(elder_client)
    assert elder_client.post(step("check")).status_code == 429
    assert Matter.objects.count() == 1


def test_another_person_does_not_get_this_persons_draft(elder_client, client, world):
    elder_client.post(step("what"), {"description": TEXT})
    from django.test import Client

    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(elder(world.resident_b))
    assert TEXT not in other.get(step("what")).content.decode()
    assert other.get(step("check"))["Location"] == step("what")


# --- 我的诉求, the matter page and 评价 ------------------------------------------------------


@pytest.fixture
def resolved(world, new_matter):
    grid = world.by_role[Role.GRID_WORKER]
    matter = new_matter(title="楼道灯坏了")
    services.triage(matter, by=grid, kind=Kind.IMMEDIATE)
    services.resolve(matter, by=grid, what_was_done="换了新灯", basis="规定", standard="能亮")
    return matter


def test_my_matters_are_big_cards_in_plain_words(elder_client, new_matter, resolved):
    new = new_matter(title="电梯坏了")
    html = elder_client.get(MINE).content.decode()

    cards = re.findall(r'<a class="matter-card[^"]*" href="([^"]+)"[^>]*>(.*?)</a>', html, re.S)
    assert [href for href, _card in cards] == [reverse("matters:detail", args=[m.pk])
                                               for m in (new, resolved)]
    assert "Received" in cards[0][1] and "电梯坏了" in cards[0][1]
    assert "Done: please rate it" in cards[1][1]
    assert new.number not in html and "Number" not in html


def test_the_matter_page_shows_the_rating_as_the_one_big_action(elder_client, resolved):
    html = elder_client.get(reverse("matters:detail", args=[resolved.pk])).content.decode()
    main = html.split("<main", 1)[1]
    assert re.search(r'<a class="button big" href="%s"' % reverse("matters:rate", args=[resolved.pk]),
                     main)
    assert 'name="satisfaction"' not in main  # the rating has its own screen
    assert f"<h1>{resolved.title}</h1>" in main and resolved.number not in main
    assert "Done: please rate it" in main


def test_the_standard_matter_page_keeps_the_rating_form(client, world, resolved):
    client.force_login(world.resident)
    html = client.get(reverse("matters:detail", args=[resolved.pk])).content.decode()
    assert 'name="satisfaction"' in html and "Other actions" not in html


def test_the_rating_screen_offers_big_choices_and_one_send(elder_client, resolved):
    html = elder_client.get(reverse("matters:rate", args=[resolved.pk])).content.decode()
    values = re.findall(r'<input type="radio" name="satisfaction" value="(\w+)"', html)
    assert values == ["satisfied", "basically", "unsatisfied"]
    assert 'name="comment"' in html
    assert [b.strip() for b in submit_buttons(html)] == ["Send my rating"]

    response = elder_client.post(reverse("matters:rate", args=[resolved.pk]),
                                 {"satisfaction": "satisfied"})
    assert response["Location"] == reverse("matters:detail", args=[resolved.pk])
    resolved.refresh_from_db()
    assert resolved.status == Status.CLOSED


def test_a_refused_rating_stays_on_its_screen_with_the_error_summary(elder_client, resolved):
    response = elder_client.post(reverse("matters:rate", args=[resolved.pk]),
                                 {"satisfaction": "unsatisfied", "comment": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="error-summary"' in html and re.search(r"<title>Error: ", html)
    assert re.search(r'value="unsatisfied"[^>]*checked', html)
    resolved.refresh_from_db()
    assert resolved.status == Status.RESOLVED


def test_the_other_actions_are_on_a_screen_of_their_own(elder_client, world, resolved):
    services.rate(resolved, by=world.resident, satisfaction="satisfied")
    detail = elder_client.get(reverse("matters:detail", args=[resolved.pk])).content.decode()
    more = reverse("matters:more", args=[resolved.pk])
    assert f'href="{more}"' in detail and "Other actions" in detail
    assert 'name="reason"' not in detail

    html = elder_client.get(more).content.decode()
    assert 'name="reason"' in html and reverse("matters:reopen", args=[resolved.pk]) in html

    response = elder_client.post(reverse("matters:reopen", args=[resolved.pk]), {"reason": ""})
    assert response.status_code == 200 and 'id="error-summary"' in response.content.decode()


def test_nothing_to_do_shows_no_button(elder_client, new_matter):
    matter = new_matter()
    main = elder_client.get(reverse("matters:detail", args=[matter.pk])).content.decode()
    main = main.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'class="button big"' not in main and "Other actions" not in main
    assert "Received" in main


def test_another_resident_cannot_see_or_act_on_the_matter(client, world, resolved):
    client.force_login(elder(world.neighbour))
    for url in (reverse("matters:detail", args=[resolved.pk]),
                reverse("matters:rate", args=[resolved.pk]),
                reverse("matters:more", args=[resolved.pk])):
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("matters:rate", args=[resolved.pk]), {"satisfaction": "satisfied"})
    assert response.status_code == 404
    resolved.refresh_from_db()
    assert resolved.status == Status.RESOLVED


def test_the_rating_screen_goes_back_when_there_is_nothing_to_rate(elder_client, new_matter):
    matter = new_matter()
    response = elder_client.get(reverse("matters:rate", args=[matter.pk]))
    assert response["Location"] == reverse("matters:detail", args=[matter.pk])


def test_a_district_without_the_residents_list_gets_a_step_choosing_the_category(
        elder_client, world, categories):
    from tongxin.matters.models import Category

    Category.objects.filter(district=world.district, name=NEIGHBOURHOOD).update(is_active=False)
    chosen = Category.objects.filter(district=world.district, depth=1, is_active=True).exclude(
        parent__name=NEIGHBOURHOOD).order_by("pk").first()
    elder_client.post(step("what"), {"description": TEXT})
    assert elder_client.post(step("where"), {"place": "building"})["Location"] == step("kind")
    kind = elder_client.get(step("kind")).content.decode()
    assert "Step 3 of 5" in kind and 'name="category"' in kind
    assert elder_client.post(step("kind"), {"category": ""}).status_code == 200
    assert elder_client.post(step("kind"), {"category": chosen.pk})["Location"] == step("photos")
    elder_client.post(step("photos"))
    elder_client.post(step("check"))
    assert Matter.objects.get().category == chosen


def test_a_matter_not_taken_up_says_why(elder_client, world, new_matter):
    matter = new_matter()
    services.reject(matter, by=world.by_role[Role.GRID_WORKER], reason="duplicate")
    matter.refresh_from_db()
    assert matter.reject_reason == "duplicate"
    main = elder_client.get(reverse("matters:detail", args=[matter.pk])).content.decode()
    main = main.split("<main", 1)[1].split("</main>", 1)[0]
    assert "Not taken up" in main and "Duplicate" in main, main
