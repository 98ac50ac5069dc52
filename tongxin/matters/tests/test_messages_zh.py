"""Bad input is answered in the user's language: Chinese by default, English on request."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tongxin.matters.models import Matter, MatterEvent, Photo
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db


def raise_data(parking, **fields):
    return {"title": "路灯坏了", "description": "3号楼前的路灯坏了一个星期。",
            "category": parking.pk, "place": "building", "idempotency_key": "k-zh", **fields}


@pytest.mark.parametrize("language,empty_title,not_a_photo", [
    ("zh-hans", "请为诉求填写一个简短的标题。", "不是照片"),
    ("en", "Please give the matter a short title.", "is not a photo"),
])
def test_bad_raise_input_is_explained_in_the_users_language(client, world, parking, language,
                                                           empty_title, not_a_photo):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    client.force_login(world.resident)
    before = (Matter.objects.count(), MatterEvent.objects.count(), Photo.objects.count())
    html = client.post(reverse("matters:raise"), raise_data(parking, title="")).content.decode()
    assert empty_title in html
    pdf = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    html = client.post(reverse("matters:raise"), raise_data(parking, photos=pdf)).content.decode()
    assert not_a_photo in html
    assert (Matter.objects.count(), MatterEvent.objects.count(), Photo.objects.count()) == before


def test_a_refused_action_says_why_in_chinese(client, world, new_matter):
    matter = new_matter()
    client.force_login(world.by_role[Role.BUILDING_HEAD])
    response = client.post(reverse("matters:act", args=[matter.pk, "triage"]),
                           {"kind": "immediate"}, follow=True)
    assert "您无权对此诉求执行" in response.content.decode()
    matter.refresh_from_db()
    assert matter.status == "new"
