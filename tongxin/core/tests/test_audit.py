"""The audit log records exports and reads of unmasked contact details (core.audit).

Sign-ins are recorded by the people app (tongxin/people/tests/test_audit.py); who may
read the log is the portal's (tongxin/portal/tests/test_audit.py)."""

import pytest
from django.urls import reverse

from tongxin.core import audit
from tongxin.core.models import Event
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db


def entries(action, **filters):
    return Event.objects.filter(action=action, **filters)


def test_downloading_ones_own_data_is_an_audited_export(client, world):
    client.force_login(world.resident)
    client.get(reverse("privacy:export", args=["json"]))
    entry = entries(audit.EXPORT, subject_id=str(world.resident.pk)).get()
    assert entry.data["what"] == "my_data" and entry.data["format"] == "json"


def test_reading_a_persons_unmasked_contact_is_recorded_and_a_masked_read_is_not(client, world):
    grid = world.by_role[Role.GRID_WORKER]  # full contact in its grid
    client.force_login(grid)
    assert client.get(reverse("people:detail", args=[world.resident.pk])).status_code == 200
    entry = entries(audit.READ, subject_id=str(world.resident.pk)).get()
    assert entry.actor == grid and entry.data["what"] == "contact"
    head = world.by_role[Role.BUILDING_HEAD]  # sees people, phones masked
    client.force_login(head)
    assert client.get(reverse("people:detail", args=[world.resident.pk])).status_code == 200
    assert entries(audit.READ, actor=head).count() == 0


def test_a_handler_reading_a_walk_in_reporters_phone_is_recorded(client, world, parking):
    from tongxin.matters import services

    grid = world.by_role[Role.GRID_WORKER]
    matter = services.raise_matter(
        by=grid, title="楼道灯坏了", description="三楼楼道灯不亮。", category=parking,
        place=world.b1, contact_name="周阿姨", contact_phone="13700001111", channel="hall")
    client.force_login(grid)
    page = client.get(reverse("matters:detail", args=[matter.pk]))
    assert "13700001111" in page.content.decode()
    assert entries(audit.READ, subject_id=str(matter.pk), data__what="reporter_contact",
                   actor=grid).count() == 1
