"""The reply check as a grid worker meets it (issue 16, item 14): its warnings say in plain
words what the answer leaves out, never a score or a threshold, and the photos chosen
with a warned result are kept for the confirmation instead of being picked again."""

import io
import re
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from tongxin.matters import services
from tongxin.matters.choices import Kind, Status
from tongxin.matters.models import MatterEvent, Photo
from tongxin.people.choices import Role
from tongxin.triage import replies

LAMP = SimpleNamespace(title="小区路灯不亮",
                       description="3号楼前面的路灯已经一个多星期晚上不亮了，老人晚上出门看不见路。",
                       due_at=None, stage="")
REWORK = {"what_was_done": "请电工排查线路，更换了老化的地埋电缆接头和灯杆内镇流器。",
          "basis": "《物业管理条例》", "standard": "恢复正常"}
SCORE_WORDS = ("相关度", "相关性", "relevance", "score", "阈值", "threshold", "0.65", "-0.3")


def numbers_or_model_words(text):
    """Return the scores and model words a person would read in ``text`` (HTML tags and
    their attributes, such as data-finding="low_relevance", are not read)."""
    text = re.sub(r"<[^>]*>", " ", text)
    found = [word for word in SCORE_WORDS if word in text]
    return found + re.findall(r"-?\d+\.\d+", text)


def relevance_finding(matter, **reply):
    return next(f for f in replies.check(matter, **reply) if f.code == "low_relevance")


def test_a_low_relevance_warning_names_what_is_missing_and_shows_no_score():
    with translation.override("zh-hans"):
        finding = relevance_finding(LAMP, **REWORK)

    assert not numbers_or_model_words(finding.message), finding.message
    assert "路灯" in finding.message  # the matter's own word the answer does not use
    assert finding.score is not None  # the figure stays in the record, off the page


def test_the_missing_terms_are_the_matters_words_the_answer_does_not_use():
    terms = replies.missing_terms(LAMP, "请电工排查线路，修好了路灯。")

    assert "路灯" not in terms
    assert terms and all(term in LAMP.title + LAMP.description for term in terms)


def test_the_warning_in_english_shows_no_score_either():
    with translation.override("en"):
        finding = relevance_finding(LAMP, **REWORK)
    assert not numbers_or_model_words(finding.message), finding.message


needs_db = pytest.mark.django_db


def jpeg(name="after.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 160, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def lamp_matter(world, new_matter):
    matter = new_matter(title=LAMP.title, description=LAMP.description)
    services.triage(matter, by=world.by_role[Role.GRID_WORKER], kind=Kind.IMMEDIATE)
    return matter


def resolve_form(response):
    return next(i["form"] for i in response.context["action_forms"] if i["action"] == "resolve")


@needs_db
def test_the_live_check_shows_the_worker_no_score(client, world, new_matter):
    matter = lamp_matter(world, new_matter)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    client.force_login(world.by_role[Role.GRID_WORKER])

    html = client.post(reverse("triage:reply_check", args=[matter.pk]), REWORK,
                       HTTP_HX_REQUEST="true").content.decode()

    assert 'data-finding="low_relevance"' in html
    assert not numbers_or_model_words(html), html


@needs_db
def test_photos_chosen_with_a_warned_result_are_kept_for_the_confirmation(
        client, world, new_matter):
    matter = lamp_matter(world, new_matter)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    client.force_login(world.by_role[Role.GRID_WORKER])
    url = reverse("matters:act", args=[matter.pk, "resolve"])

    warned = client.post(url, {**REWORK, "photos": [jpeg("one.jpg"), jpeg("two.jpg")]})

    assert warned.status_code == 400
    html = warned.content.decode()
    assert not numbers_or_model_words(html.split('<section aria-labelledby="actions-title"')[1])
    form = resolve_form(warned)
    held = form.data["held_photos"]
    assert held and f'name="held_photos" value="{held}"' in html
    assert not Photo.objects.filter(matter=matter).exists()  # nothing published yet

    confirmed = client.post(url, {**REWORK, "publish_anyway": "on",
                                  "warned": form.data["warned"], "held_photos": held})

    assert confirmed.status_code == 302
    matter.refresh_from_db()
    assert matter.status == Status.RESOLVED
    event = MatterEvent.objects.get(matter=matter, action="resolved")
    assert Photo.objects.filter(matter=matter, event=event).count() == 2


@needs_db
def test_photos_chosen_again_replace_the_kept_ones(client, world, new_matter):
    matter = lamp_matter(world, new_matter)
    client.force_login(world.by_role[Role.GRID_WORKER])
    url = reverse("matters:act", args=[matter.pk, "resolve"])
    form = resolve_form(client.post(url, {**REWORK, "photos": [jpeg("one.jpg"), jpeg("two.jpg")]}))

    client.post(url, {**REWORK, "publish_anyway": "on", "warned": form.data["warned"],
                      "held_photos": form.data["held_photos"], "photos": [jpeg("three.jpg")]})

    assert Photo.objects.filter(matter=matter, event__action="resolved").count() == 1


@needs_db
def test_kept_photos_cannot_be_claimed_by_another_worker_or_for_another_matter(
        client, world, new_matter):
    matter = lamp_matter(world, new_matter)
    other = lamp_matter(world, new_matter)
    client.force_login(world.by_role[Role.GRID_WORKER])
    form = resolve_form(client.post(reverse("matters:act", args=[matter.pk, "resolve"]),
                                    {**REWORK, "photos": [jpeg()]}))

    client.post(reverse("matters:act", args=[other.pk, "resolve"]), {
        **REWORK, "publish_anyway": "on", "warned": form.data["warned"],
        "held_photos": form.data["held_photos"]})
    forged = client.post(reverse("matters:act", args=[matter.pk, "resolve"]), {
        **REWORK, "publish_anyway": "on", "warned": form.data["warned"],
        "held_photos": "pending/../../etc/passwd"})

    assert not Photo.objects.filter(matter=other).exclude(event__action="raised").exists()
    assert forged.status_code == 400
    assert not Photo.objects.filter(matter=matter).exclude(event__action="raised").exists()


@needs_db
def test_held_photos_stay_out_of_the_uploads_and_are_purged_after_a_day(
        world, new_matter, time_machine):
    from django.core.files.storage import default_storage

    from tongxin.matters import held_photos as photos

    matter = lamp_matter(world, new_matter)
    worker = world.by_role[Role.GRID_WORKER]
    time_machine.move_to("2026-12-01 09:00 +0800")
    old = photos.hold_photos([jpeg()], by=worker, matter=matter)
    (name,) = photos._held_names(old, by=worker, matter=matter)
    assert photos.held_storage().exists(name) and not default_storage.exists(name)

    time_machine.move_to("2026-12-02 10:00 +0800")
    new = photos.hold_photos([jpeg()], by=worker, matter=matter)

    assert not photos.held_storage().exists(name)  # the unconfirmed day-old photo is gone
    assert photos.held_count(old, by=worker, matter=matter) == 0  # its token expired too
    assert len(photos.held_photos(new, by=worker, matter=matter)) == 1
