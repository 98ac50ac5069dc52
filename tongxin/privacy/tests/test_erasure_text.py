"""Erasure takes the person out of the text they wrote and out of the audit log's free
fields, and keeps every row (issue 16, item 32)."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tongxin.api.tokens import issue_token
from tongxin.core import audit
from tongxin.core.masking import mask_contacts_in_text
from tongxin.core.models import Event
from tongxin.kernel import events
from tongxin.kernel.models import PublishedEvent
from tongxin.matters.choices import Satisfaction
from tongxin.matters.models import Inspection, Matter, MatterEvent, Rating, Resolution
from tongxin.people.choices import Role
from tongxin.privacy import services

pytestmark = pytest.mark.django_db

OTHER_PHONE = "13812345678"  # a relative's number, typed by the resident
ID_NUMBER = "11010519850312004X"


def variants(phone):
    return [phone, f"{phone[:3]} {phone[3:7]} {phone[7:]}", f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"]


@pytest.fixture
def written(world, new_matter):
    """The resident (张小明, 13900000001) wrote their name and numbers everywhere."""
    resident = world.resident
    phone = resident.phone
    matter = new_matter(
        title=f"张小明家门口路灯坏了{phone}",
        description=f"我叫张小明，电话{phone[:3]} {phone[3:7]} {phone[7:]}，"
                    f"也可打{OTHER_PHONE[:3]}-{OTHER_PHONE[3:7]}-{OTHER_PHONE[7:]}找我爱人。"
                    f"身份证{ID_NUMBER}。路灯一直不亮。",
        publish_consent=True)
    Matter.objects.filter(pk=matter.pk).update(address="幸福小区1号楼 张小明家")  # Open311
    staff = world.by_role[Role.GRID_WORKER]
    resolution = Resolution.objects.create(matter=matter, what_was_done="已修好", basis="规定",
                                           standard="亮", resolved_by=staff)
    Rating.objects.create(resolution=resolution, rater=resident,
                          satisfaction=Satisfaction.UNSATISFIED, comment=f"请回电{phone}")
    Inspection.objects.create(resolution=resolution, inspector=resident, passed=False,
                              note="张小明看过了，还是不亮")
    MatterEvent.objects.create(matter=matter, actor=resident, action="commented",
                               note=f"张小明补充：电话{phone}", data={"reason": f"张小明 {phone}"})
    events.publish("test.commented", matter, by=resident.pk,
                   data={"reason": f"张小明 {phone}"})  # the outbox's copy
    # A failed sign-in with the phone typed, and one with the user name.
    client = APIClient()
    client.post(reverse("api:token"), {"username": phone, "password": "wrong"}, format="json")
    client.post(reverse("api:token"), {"username": resident.username, "password": "wrong"},
                format="json")
    return matter


def counts():
    return (Matter.objects.count(), MatterEvent.objects.count(), Rating.objects.count(),
            Inspection.objects.count(), Resolution.objects.count(), Event.objects.count())


def leaks(text, name, phone):
    found = [v for v in [name, OTHER_PHONE, ID_NUMBER, *variants(phone), *variants(OTHER_PHONE)]
             if v in text]
    return found


def test_erasure_takes_the_person_out_of_what_they_wrote_and_keeps_every_row(
        client, world, written):
    resident = world.resident
    name, phone = resident.full_name, resident.phone
    matter = Matter.objects.get(pk=written.pk)
    assert leaks(matter.title + matter.description + matter.address, name, phone)
    failed = Event.objects.filter(action=audit.SIGN_IN_FAILED, subject_id=str(resident.pk))
    assert phone in json.dumps(list(failed.values_list("data", flat=True)))
    before = counts()

    services.anonymise(resident, by=resident)

    assert counts()[:5] == before[:5]
    assert counts()[5] == before[5] + 1  # the note that the erasure happened, no more
    matter = Matter.objects.get(pk=written.pk)
    assert not leaks(matter.title + matter.description + matter.address, name, phone)
    assert "路灯" in matter.title and "路灯一直不亮" in matter.description
    # The title masked viewers search (matters.selectors.title_q) follows the erased title.
    assert matter.title_masked == mask_contacts_in_text(matter.title)
    assert name not in matter.title_masked
    texts = [*MatterEvent.objects.filter(matter=matter).values_list("note", flat=True),
             json.dumps(list(MatterEvent.objects.filter(matter=matter)
                             .values_list("data", flat=True)), ensure_ascii=False),
             *Rating.objects.values_list("comment", flat=True),
             *Inspection.objects.values_list("note", flat=True)]
    for text in texts:
        assert not leaks(text, name, phone), text
    assert Inspection.objects.get().note.endswith("还是不亮")
    outbox = json.dumps(list(PublishedEvent.objects.values_list("payload", flat=True)),
                        ensure_ascii=False)
    assert not leaks(outbox, name, phone)
    entries = json.dumps(list(Event.objects.values_list("data", flat=True)), ensure_ascii=False)
    assert phone not in entries and name not in entries
    typed = set(Event.objects.filter(action=audit.SIGN_IN_FAILED).values_list(
        "data__username", flat=True))
    assert not typed & {phone, "resident"}
    assert failed.count() == 2  # the entries stay, without what was typed

    # Every interface now shows the text without them: staff page, API, public Open311.
    staff = world.by_role[Role.GRID_WORKER]
    client.force_login(staff)
    pages = [client.get(reverse("matters:detail", args=[matter.pk])).content.decode()]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(staff)[1]}")
    body = api.get(reverse("api:matter", args=[matter.pk])).json()
    pages.append(json.dumps(body, ensure_ascii=False))
    client.logout()
    public = client.get(reverse("open311:request", args=[matter.pk, "json"]),
                        {"jurisdiction_id": world.district.code})
    assert public.status_code == 200
    pages.append(json.dumps(public.json(), ensure_ascii=False))
    for page in pages:
        assert not leaks(page, name, phone)


def test_the_text_helper_takes_out_the_name_the_numbers_and_their_variants(world):
    from tongxin.people.personal_data import erase_person_from_text

    resident = world.resident
    phone = resident.phone
    wide = phone.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    text = (f"我是张小明，手机{phone}、{phone[:3]} {phone[3:7]} {phone[7:]}、+86 {phone}、"
            f"{wide}，爱人{OTHER_PHONE}，座机010-62345678，"
            f"身份证110105 19850312 004X。3号楼2单元有12户。")
    cleaned = erase_person_from_text(text, resident)
    for gone in ["张小明", phone, phone[7:], OTHER_PHONE, "62345678", "004X", wide[-4:]]:
        assert gone not in cleaned, gone
    assert "3号楼2单元有12户" in cleaned
    assert erase_person_from_text("", resident) == ""


def test_erasure_takes_the_person_out_of_the_webhook_bodies_kept(world, written):
    from tongxin.webhooks.models import Delivery, Subscription

    subscription = Subscription.objects.create(organisation=world.partner, secret="s",
                                               url="https://partner.example/hook",
                                               events=["matter.created"])
    delivery = Delivery.objects.create(
        subscription=subscription, event_type="matter.created", subject_type="matters.matter",
        subject_id=str(written.pk), payload={"matter": {"title": written.title}})
    other = Delivery.objects.create(subscription=subscription, event_type="matter.created",
                                    payload={"matter": {"title": "邻居的楼道堆物"}})
    services.anonymise(world.resident, by=world.resident)
    delivery.refresh_from_db()
    assert "张小明" not in delivery.payload["matter"]["title"]
    assert world.resident.phone not in delivery.payload["matter"]["title"]
    assert "路灯坏了" in delivery.payload["matter"]["title"]
    other.refresh_from_db()
    assert other.payload == {"matter": {"title": "邻居的楼道堆物"}}
