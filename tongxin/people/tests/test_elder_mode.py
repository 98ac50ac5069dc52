"""The elder mode (长辈版): each person turns it on or off for themselves, and it is kept."""

import pytest
from django.urls import reverse

from tongxin.core.models import Event
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db


def test_a_person_turns_the_elder_mode_on_and_goes_back_to_the_page(client, world):
    client.force_login(world.resident)
    response = client.post(reverse("people:elder_mode"),
                           {"elder_mode": "on", "next": "/matters/mine/"})

    assert response.status_code == 302 and response["Location"] == "/matters/mine/"
    world.resident.refresh_from_db()
    assert world.resident.elder_mode
    assert Event.objects.filter(action="person.updated", subject_id=str(world.resident.pk)).exists()
    page = client.get(reverse("core:home")).content.decode()
    assert '<html lang="zh-hans" class="elder">' in page
    assert 'aria-pressed="true"' in page


def test_turning_it_off_and_a_foreign_next_goes_home(client, world):
    world.resident.elder_mode = True
    world.resident.save(update_fields=["elder_mode"])
    client.force_login(world.resident)
    response = client.post(reverse("people:elder_mode"),
                           {"elder_mode": "off", "next": "https://evil.example/"})

    assert response["Location"] == "/"
    world.resident.refresh_from_db()
    assert not world.resident.elder_mode


def test_the_elder_mode_is_ones_own_and_needs_a_sign_in_and_a_post(client, world):
    assert client.post(reverse("people:elder_mode"), {"elder_mode": "on"}).status_code == 302
    client.force_login(world.by_role[Role.GRID_WORKER])
    assert client.get(reverse("people:elder_mode")).status_code == 405
    client.post(reverse("people:elder_mode"), {"elder_mode": "on"})
    world.resident.refresh_from_db()
    assert not world.resident.elder_mode
    worker = world.by_role[Role.GRID_WORKER]
    worker.refresh_from_db()
    assert worker.elder_mode
