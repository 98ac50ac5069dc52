"""The residents' matter pages: raise with "me too", my matters, the board, rate, reopen,
inspect."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import ExifTags, Image

from tongxin.matters import services
from tongxin.matters.categories import seed_categories
from tongxin.matters.choices import Status
from tongxin.matters.models import Category, Inspection, Matter, MatterEvent, Photo, Support
from tongxin.people.choices import Role
from tongxin.places.services import create_place

pytestmark = pytest.mark.django_db

MESSAGES_CSV = (Path(__file__).resolve().parents[3].parent / "shared" / "data" / "taidi2020"
                / "messages_with_votes.csv")


@pytest.fixture
def client(client):
    """A client that reads the pages in English, the source language of the messages."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def counts():
    return (Matter.objects.count(), MatterEvent.objects.count(), Photo.objects.count())


def flashed(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def gps_jpeg(name="lamp.jpg"):
    """Return a small JPEG carrying EXIF with a GPS position, as phones write it."""
    image = Image.new("RGB", (80, 60), (200, 30, 30))
    exif = image.getexif()
    exif[ExifTags.Base.Make] = "TestPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 27.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 23.0, 17.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as probe:  # the fixture really carries a location
        assert probe.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def raise_data(parking, **fields):
    return {"title": "路灯坏了", "description": "3号楼前的路灯坏了一个星期，晚上看不见路。",
            "category": parking.pk, "place": "building",
            "idempotency_key": "0f8fad5bd9cb469fa16570867728950e", **fields}


def closed(matter, world):
    return services.rate(resolved(matter, world), by=matter.reporter, satisfaction="satisfied")


def resolved(matter, world):
    grid_worker = world.by_role[Role.GRID_WORKER]
    services.triage(matter, by=grid_worker, kind="immediate")
    return services.resolve(matter, by=grid_worker, what_was_done="清理了东门口的电动车，划了停车线。",
                            basis="《物业管理条例》", standard="消防通道畅通")


# --- raise ---------------------------------------------------------------------------------


def test_the_raise_page_offers_the_districts_categories_and_a_fresh_key(client, world, parking):
    client.force_login(world.resident)
    first = client.get(reverse("matters:raise"))
    second = client.get(reverse("matters:raise"))

    assert first.status_code == 200
    form = first.context["form"]
    assert form["place"].initial == "building"
    kinds = dict(form.fields["category"].choices[1:])  # the residents' short list
    assert kinds[parking.parent.pk] == "停车"
    assert form["idempotency_key"].value() != second.context["form"]["idempotency_key"].value()
    assert 'hx-get="/matters/similar/"' in first.content.decode()


def test_a_resident_raises_a_matter_with_a_photo_stored_without_its_location(
        client, world, parking):
    client.force_login(world.resident)
    response = client.post(reverse("matters:raise"),
                           raise_data(parking, photos=gps_jpeg(), publish_consent="on"))

    matter = Matter.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("matters:detail", args=[matter.pk])
    assert (matter.reporter, matter.place, matter.category) == (world.resident, world.b1, parking)
    assert matter.publish_consent is True
    photo = matter.photos.get()
    with photo.image.open("rb") as stored:
        data = stored.read()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info
    assert b"TestPhone" not in data


def test_a_resident_may_raise_for_the_whole_compound(client, world, parking):
    client.force_login(world.resident)
    client.post(reverse("matters:raise"), raise_data(parking, place="compound"))

    assert Matter.objects.get().place == world.compound_a1a


def test_the_same_form_sent_twice_files_one_matter(client, world, parking):
    client.force_login(world.resident)
    first = client.post(reverse("matters:raise"), raise_data(parking))
    second = client.post(reverse("matters:raise"), raise_data(parking))

    assert Matter.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize(("title", "message"), [
    ("", "Please give the matter a short title."),
    ("   ", "Please give the matter a short title."),
    ("\u200b\u200b", "Please fill in the title."),  # invisible characters: the service says so
])
def test_an_empty_title_is_refused_with_a_message_and_nothing_is_stored(
        client, world, parking, title, message):
    client.force_login(world.resident)
    before = counts()
    response = client.post(reverse("matters:raise"), raise_data(parking, title=title))

    assert response.status_code == 200
    assert response.context["form"].errors["title"] == [message]
    assert message in response.content.decode()
    assert counts() == before


def test_a_50_mb_photo_is_refused_with_a_message_and_nothing_is_stored(client, world, parking):
    client.force_login(world.resident)
    big = SimpleUploadedFile("huge.jpg", b"\xff\xd8\xff\xe0" + bytes(50 * 1024 * 1024),
                             content_type="image/jpeg")
    before = counts()
    response = client.post(reverse("matters:raise"), raise_data(parking, photos=big))

    assert response.status_code == 200
    assert response.context["form"].errors["photos"] == ["huge.jpg is larger than 10.0\xa0MB."]
    assert counts() == before


def test_a_pdf_renamed_jpg_is_refused_with_a_message_and_nothing_is_stored(client, world, parking):
    client.force_login(world.resident)
    pdf = SimpleUploadedFile("scan.jpg", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
                             content_type="image/jpeg")
    before = counts()
    response = client.post(reverse("matters:raise"),
                           raise_data(parking, photos=[gps_jpeg(), pdf]))

    assert response.status_code == 200
    assert response.context["form"].errors["photos"] == [
        "scan.jpg is not a photo (JPEG, PNG, WebP or GIF)."]
    assert counts() == before


def test_photos_too_large_together_are_refused_beside_the_photos_field(client, world, parking,
                                                                       settings):
    settings.TONGXIN_PHOTO_MAX_DECODED_PIXELS = 5_000
    client.force_login(world.resident)
    before = counts()
    response = client.post(reverse("matters:raise"),
                           raise_data(parking, photos=[gps_jpeg("a.jpg"), gps_jpeg("b.jpg")]))

    assert response.status_code == 200
    [error] = response.context["form"].errors["photos"]
    assert error.startswith("These photos are too large together")
    assert counts() == before


def test_a_category_of_another_district_is_refused_and_nothing_is_stored(client, world, parking):
    other = create_place(kind="district", name="别的区", code="990102")
    seed_categories(other)
    foreign = Category.objects.get(district=other, name=parking.name)
    client.force_login(world.resident)
    before = counts()
    response = client.post(reverse("matters:raise"), raise_data(parking, category=foreign.pk))

    assert response.status_code == 200
    assert response.context["form"].errors["category"] == ["Choose a category of your district."]
    assert counts() == before


def test_people_without_a_household_cannot_use_the_resident_raise_page(client, world):
    client.force_login(world.by_role[Role.GRID_WORKER])

    assert client.get(reverse("matters:raise")).status_code == 403


def test_the_pages_need_a_sign_in(client, world):
    response = client.get(reverse("matters:raise"))

    assert response.status_code == 302
    assert reverse("people:login") in response["Location"]


# --- "me too" -------------------------------------------------------------------------------


def taidi_messages(*numbers):
    if not MESSAGES_CSV.is_file():
        pytest.skip(f"the taidi2020 messages are not at {MESSAGES_CSV}")
    with MESSAGES_CSV.open(encoding="utf-8") as handle:
        rows = {row["留言编号"]: row for row in csv.DictReader(handle)}
    return [(rows[n]["留言主题"][:100], rows[n]["留言详情"]) for n in numbers]


def test_similar_suggests_a_paraphrase_of_an_open_matter_in_the_compound_only(
        client, world, new_matter):
    # Real messages (TipDM 2020): two users complaining about the same mixing plant
    # next to 丽发新城 in other words, and a complaint about burst water pipes.
    (plant_title, plant_text), (typed_title, typed_text), (pipes_title, pipes_text) = (
        taidi_messages("243692", "213464", "247744"))
    plant = new_matter(title=plant_title, description=plant_text, by=world.neighbour)
    pipes = new_matter(title=pipes_title, description=pipes_text, by=world.neighbour)
    elsewhere = new_matter(title=plant_title, description=plant_text, by=world.same_community)
    client.force_login(world.resident)

    response = client.get(reverse("matters:similar"),
                          {"title": typed_title, "description": typed_text},
                          HTTP_HX_REQUEST="true")

    suggested = [row["matter"].pk for row in response.context["rows"]]
    assert suggested == [plant.pk]
    assert pipes.pk not in suggested and elsewhere.pk not in suggested
    assert reverse("matters:support", args=[plant.pk]) in response.content.decode()


def test_similar_says_nothing_for_a_few_characters(client, world, new_matter):
    new_matter(by=world.neighbour)
    client.force_login(world.resident)

    response = client.get(reverse("matters:similar"), {"title": "电", "description": ""})

    assert response.context["rows"] == []
    assert response.content.decode().strip() == ""


def test_support_adds_a_supporter_once(client, world, new_matter):
    matter = new_matter(by=world.neighbour)
    client.force_login(world.resident)
    url = reverse("matters:support", args=[matter.pk])

    first = client.post(url, HTTP_HX_REQUEST="true")
    second = client.post(url, HTTP_HX_REQUEST="true")

    matter.refresh_from_db()
    assert matter.supporter_count == 1
    assert Support.objects.filter(matter=matter, person=world.resident).count() == 1
    assert "You support this" in first.content.decode()
    assert "You support this" in second.content.decode()


def test_support_without_htmx_redirects_with_a_message(client, world, new_matter):
    matter = new_matter(by=world.neighbour)
    client.force_login(world.resident)

    response = client.post(reverse("matters:support", args=[matter.pk]))

    assert response.status_code == 302
    assert flashed(response) == ["Thank you: your support has been added."]


def test_supporting_ones_own_matter_is_refused_with_a_message(client, world, new_matter):
    matter = new_matter()
    client.force_login(world.resident)

    response = client.post(reverse("matters:support", args=[matter.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "You raised this matter yourself." in response.content.decode()
    assert Support.objects.count() == 0


def test_supporting_a_closed_matter_is_refused_with_a_message(client, world, new_matter):
    matter = closed(new_matter(by=world.neighbour), world)
    client.force_login(world.resident)

    response = client.post(reverse("matters:support", args=[matter.pk]), HTTP_HX_REQUEST="true")

    assert "This matter is no longer open for support." in response.content.decode()
    assert Support.objects.count() == 0


def test_a_resident_of_another_compound_cannot_support(client, world, new_matter):
    matter = new_matter(by=world.neighbour)
    client.force_login(world.same_community)

    assert client.post(reverse("matters:support", args=[matter.pk])).status_code == 404
    assert Support.objects.count() == 0


# --- my matters -----------------------------------------------------------------------------


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


def test_my_matters_lists_only_mine_with_the_same_queries_for_3_or_20(client, world, new_matter):
    client.force_login(world.resident)
    theirs = new_matter(title="别人的事", by=world.neighbour)
    supported = new_matter(title="我支持的事", by=world.neighbour)
    services.support(supported, by=world.resident)
    for n in range(2):
        new_matter(title=f"我的事{n}")
    few, response = queries_for(client, reverse("matters:mine"))
    listed = {m.pk for m in response.context["page"]}
    assert supported.pk in listed and theirs.pk not in listed
    assert len(listed) == 3

    for n in range(17):
        new_matter(title=f"更多的事{n}")
    many, response = queries_for(client, reverse("matters:mine"))

    assert few == many
    assert len(response.context["page"]) == 20
    assert [m.title for m in response.context["page"]][0] == "更多的事16"  # newest first


# --- the board ------------------------------------------------------------------------------


def test_the_board_hides_the_reporter_without_consent(client, world, new_matter):
    resolved(new_matter(title="东门电动车乱停"), world)
    client.force_login(world.neighbour)

    page = client.get(reverse("matters:board", args=[world.compound_a1a.code])).content.decode()

    assert "东门电动车乱停" in page and "清理了东门口的电动车" in page and "消防通道畅通" in page
    assert "张小明" not in page and "张*明" not in page
    assert world.resident.phone not in page and "****" + world.resident.phone[-4:] not in page


def test_the_board_shows_the_masked_name_with_consent_but_never_the_phone(
        client, world, new_matter):
    resolved(new_matter(title="东门电动车乱停", publish_consent=True), world)
    client.force_login(world.neighbour)

    page = client.get(reverse("matters:board", args=[world.compound_a1a.code])).content.decode()

    assert "张*明" in page
    assert "张小明" not in page
    assert world.resident.phone not in page and "****" + world.resident.phone[-4:] not in page


def test_the_board_is_not_found_for_a_resident_of_another_compound(client, world, new_matter):
    resolved(new_matter(), world)
    client.force_login(world.same_community)

    response = client.get(reverse("matters:board", args=[world.compound_a1a.code]))

    assert response.status_code == 404


def test_the_board_is_open_to_staff_above_the_compound(client, world, new_matter):
    resolved(new_matter(title="东门电动车乱停"), world)
    client.force_login(world.by_role[Role.STREET_OFFICER])

    response = client.get(reverse("matters:board", args=[world.compound_a1a.code]))

    assert response.status_code == 200
    assert "东门电动车乱停" in response.content.decode()


def test_the_board_shows_the_inspection_form_to_inspectors_only(client, world, new_matter):
    matter = resolved(new_matter(), world)
    inspect_url = reverse("matters:inspect", args=[matter.pk])

    board = reverse("matters:board", args=[world.compound_a1a.code])

    client.force_login(world.by_role[Role.BUILDING_HEAD])
    assert inspect_url in client.get(board).content.decode()
    client.force_login(world.neighbour)
    assert inspect_url not in client.get(board).content.decode()


# --- inspect --------------------------------------------------------------------------------


def test_the_building_head_inspects_and_accepts(client, world, new_matter):
    matter = resolved(new_matter(), world)
    client.force_login(world.by_role[Role.BUILDING_HEAD])

    response = client.post(reverse("matters:inspect", args=[matter.pk]), {"passed": "yes"})

    assert response.status_code == 302
    assert flashed(response) == ["Your inspection has been recorded."]
    inspection = Inspection.objects.get()
    assert inspection.passed and inspection.inspector == world.by_role[Role.BUILDING_HEAD]


def test_failing_an_inspection_needs_a_note(client, world, new_matter):
    matter = resolved(new_matter(), world)
    client.force_login(world.by_role[Role.BUILDING_HEAD])

    response = client.post(reverse("matters:inspect", args=[matter.pk]), {"passed": "no"})

    assert flashed(response) == ["Please say what must be put right when the result fails."]
    matter.refresh_from_db()
    assert matter.status == Status.RESOLVED and not Inspection.objects.exists()


def test_a_resident_cannot_inspect(client, world, new_matter):
    matter = resolved(new_matter(), world)
    client.force_login(world.neighbour)

    response = client.post(reverse("matters:inspect", args=[matter.pk]), {"passed": "yes"})

    assert response.status_code == 302
    assert flashed(response) == ["You may not “Inspect and accept” on this matter."]
    matter.refresh_from_db()
    assert matter.status == Status.RESOLVED and not Inspection.objects.exists()


# --- rate and reopen ------------------------------------------------------------------------


def test_rating_unsatisfied_without_a_comment_is_refused_with_a_message(client, world, new_matter):
    matter = resolved(new_matter(), world)
    client.force_login(world.resident)

    response = client.post(reverse("matters:rate", args=[matter.pk]),
                           {"satisfaction": "unsatisfied"})

    assert response.status_code == 302
    assert response["Location"] == reverse("matters:detail", args=[matter.pk])
    assert flashed(response) == ["Please say what is still wrong when you are unsatisfied."]
    matter.refresh_from_db()
    assert matter.status == Status.RESOLVED


def test_rating_unsatisfied_with_a_comment_sends_it_back(client, world, new_matter):
    matter = resolved(new_matter(), world)
    client.force_login(world.resident)

    client.post(reverse("matters:rate", args=[matter.pk]),
                {"satisfaction": "unsatisfied", "comment": "晚上还是堵着"})

    matter.refresh_from_db()
    assert (matter.status, matter.rework_count) == (Status.RECTIFYING, 1)


def test_rating_satisfied_closes_the_matter(client, world, new_matter):
    matter = resolved(new_matter(), world)
    client.force_login(world.resident)

    response = client.post(reverse("matters:rate", args=[matter.pk]), {"satisfaction": "satisfied"})

    assert flashed(response) == ["Thank you for your rating: the matter is closed."]
    matter.refresh_from_db()
    assert matter.status == Status.CLOSED


def test_only_the_reporter_may_rate(client, world, new_matter):
    matter = resolved(new_matter(), world)
    client.force_login(world.by_role[Role.GRID_WORKER])

    response = client.post(reverse("matters:rate", args=[matter.pk]), {"satisfaction": "satisfied"})

    assert flashed(response) == ["You may not “Rate: satisfied” on this matter."]
    matter.refresh_from_db()
    assert matter.status == Status.RESOLVED


def test_a_matter_one_cannot_see_cannot_be_rated(client, world, new_matter):
    matter = resolved(new_matter(), world)
    client.force_login(world.same_community)

    response = client.post(reverse("matters:rate", args=[matter.pk]), {"satisfaction": "satisfied"})

    assert response.status_code == 404


def test_the_reporter_reopens_within_the_window(client, world, new_matter):
    matter = closed(new_matter(), world)
    client.force_login(world.resident)

    response = client.post(reverse("matters:reopen", args=[matter.pk]), {"reason": "又堵上了"})

    assert flashed(response) == ["The matter has been reopened."]
    matter.refresh_from_db()
    assert (matter.status, matter.reopen_count) == (Status.IN_PROGRESS, 1)


def test_reopening_after_the_window_is_refused_with_a_message(
        client, world, new_matter, time_machine):
    matter = closed(new_matter(), world)
    time_machine.move_to(matter.closed_at + timedelta(days=16))
    client.force_login(world.resident)

    response = client.post(reverse("matters:reopen", args=[matter.pk]), {"reason": "又堵上了"})

    assert response.status_code == 302
    [message] = flashed(response)
    assert message.startswith("This matter can no longer be reopened")
    matter.refresh_from_db()
    assert matter.status == Status.CLOSED


def test_reopening_needs_a_reason(client, world, new_matter):
    matter = closed(new_matter(), world)
    client.force_login(world.resident)

    response = client.post(reverse("matters:reopen", args=[matter.pk]), {"reason": " "})

    assert flashed(response) == ["Please say why the matter should be reopened."]
    matter.refresh_from_db()
    assert matter.status == Status.CLOSED


def test_the_reporter_actions_offer_rating_then_reopening(world, new_matter):
    from django.template.loader import render_to_string

    from tongxin.matters.views.resident import reporter_actions_context

    matter = resolved(new_matter(), world)
    context = reporter_actions_context(matter, world.resident)
    assert context["reporter_actions"] == ["rate_ok", "rate_unsatisfied"]
    html = render_to_string("matters/_reporter_actions.html",
                            {"matter": matter, "user": world.resident, **context})
    assert reverse("matters:rate", args=[matter.pk]) in html

    matter = services.rate(matter, by=world.resident, satisfaction="basically")
    context = reporter_actions_context(matter, world.resident)
    assert context["reporter_actions"] == ["reopen"] and context["reopen_until"]
    html = render_to_string("matters/_reporter_actions.html",
                            {"matter": matter, "user": world.resident})
    assert reverse("matters:reopen", args=[matter.pk]) in html  # without the context, too
    assert render_to_string("matters/_reporter_actions.html",
                            {"matter": matter, "user": world.neighbour}).strip() == ""

