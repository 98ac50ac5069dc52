"""The reply check quotes the matter's title when it cannot name what the answer leaves
out: it quotes it as the handler may read it, phone and ID numbers masked unless they see
the raiser's contacts whole (issue 16, item 2)."""

import pytest
from django.urls import reverse

from tongxin.kernel import registry
from tongxin.people.choices import Role
from tongxin.triage import replies

pytestmark = pytest.mark.django_db

TITLE = "电动车堵住东门请回电13800100001"
SCHOOL = {"what_was_done": "网友您好！现将有关情况答复如下：今年秋季小学一年级招生按照划片就近"
                           "入学的原则进行，适龄儿童凭户口簿和房产证到片区学校报名，教育局统一审核"
                           "入学资格。感谢您对教育工作的关心。",
          "basis": "《中华人民共和国义务教育法》第十二条", "standard": "符合当年招生政策"}


@pytest.fixture
def matter(new_matter, monkeypatch):
    # No key word to name: the warning quotes the title.
    monkeypatch.setattr(replies, "missing_terms", lambda matter, reply, limit=3: [])
    return new_matter(title=TITLE, description="东门口每天晚上堆满电动车，消防通道被堵住了。")


def relevance_message(findings):
    return next(f.message for f in findings if f.code == "low_relevance")


def test_the_quoted_title_is_masked_for_someone_who_sees_contacts_masked(world, matter):
    street = world.by_role[Role.STREET_OFFICER]

    message = relevance_message(replies.check(matter, user=street, **SCHOOL))

    assert "13800100001" not in message and "138****0001" in message


def test_with_no_reader_known_the_title_is_quoted_masked(matter):
    message = relevance_message(replies.check(matter, **SCHOOL))

    assert "13800100001" not in message and "138****0001" in message


def test_the_warning_hook_quotes_the_title_as_the_handler_sees_it(world, matter):
    check = registry.hook("matters.reply_warnings")

    masked = relevance_message(check(matter, user=world.by_role[Role.STREET_OFFICER], **SCHOOL))
    whole = relevance_message(check(matter, user=world.by_role[Role.GRID_WORKER], **SCHOOL))

    assert "13800100001" not in masked and "138****0001" in masked
    assert TITLE in whole


def test_every_interface_checks_the_reply_as_the_person_recording_it(
        client, world, matter, monkeypatch):
    from rest_framework.test import APIClient

    from tongxin.api.tokens import issue_token
    from tongxin.matters import services
    from tongxin.matters.choices import Kind

    grid_worker = world.by_role[Role.GRID_WORKER]
    services.triage(matter, by=grid_worker, kind=Kind.IMMEDIATE)
    readers, check = [], replies.check

    def spy(*args, **kwargs):
        readers.append(kwargs.get("user"))
        return check(*args, **kwargs)

    monkeypatch.setattr(replies, "check", spy)
    client.force_login(grid_worker)
    client.post(reverse("triage:reply_check", args=[matter.pk]), SCHOOL)  # the live check
    client.post(reverse("matters:act", args=[matter.pk, "resolve"]), SCHOOL)  # the form
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(grid_worker)[1]}")
    api.post(f"/api/v1/matters/{matter.pk}/actions/resolve/", SCHOOL, format="json")

    assert readers == [grid_worker] * 3
