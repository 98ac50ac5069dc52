"""The inbox: each person reads only their own notices, in their own language."""

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tongxin.matters.choices import Status
from tongxin.matters.models import Category
from tongxin.matters.notices import NoticeKind
from tongxin.matters.services import raise_matter
from tongxin.notices.context_processors import unread_count
from tongxin.notices.models import Notice
from tongxin.notices.services import notify

pytestmark = pytest.mark.django_db

INBOX = reverse("notices:inbox")
READ = reverse("notices:read")


def status_notice(person, number="2026-000042", status=Status.IN_PROGRESS):
    [notice] = notify([person], NoticeKind.STATUS, number=number, status=status)
    return notice


def signed_in(client, person, language=None):
    client.force_login(person)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def shown(response):
    return [notice.pk for notice in response.context["page"]]


# --- Whose notices ----------------------------------------------------------------------------


def test_the_inbox_needs_a_sign_in(client):
    response = client.get(INBOX)
    assert response.status_code == 302 and reverse("people:login") in response["Location"]


def test_a_person_sees_only_their_own_notices_newest_first(client, world):
    first = status_notice(world.resident, "2026-000001")
    status_notice(world.neighbour, "2026-000002")
    last = status_notice(world.resident, "2026-000003")
    response = signed_in(client, world.resident).get(INBOX)
    assert response.status_code == 200
    assert shown(response) == [last.pk, first.pk]
    assert "2026-000002" not in response.content.decode()


def test_unread_notices_are_marked(client, world):
    unread = status_notice(world.resident, "2026-000001")
    read = status_notice(world.resident, "2026-000002")
    Notice.objects.filter(pk=read.pk).update(read_at="2026-09-30T08:00:00Z")
    html = signed_in(client, world.resident).get(INBOX).content.decode()
    assert f'class="card notice unread" data-notice="{unread.pk}"' in html
    assert f'class="card notice" data-notice="{read.pk}"' in html


def test_the_inbox_is_paginated(client, world):
    for n in range(35):
        status_notice(world.resident, f"2026-{n:06d}")
    client = signed_in(client, world.resident)
    assert len(shown(client.get(INBOX))) == 30
    assert len(shown(client.get(INBOX, {"page": 2}))) == 5


def test_the_inbox_takes_the_same_number_of_queries_for_3_or_30_notices(client, world):
    client = signed_in(client, world.resident)
    counts = []
    for total in (3, 30):
        Notice.objects.filter(recipient=world.resident).delete()
        for n in range(total):
            status_notice(world.resident, f"2026-{n:06d}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(INBOX).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_notice_links_to_its_matter(client, world):
    category = Category.objects.create(district=world.district, name="停车管理")
    matter = raise_matter(by=world.resident, title="东门电动车乱停", description="消防通道被堵",
                          category=category)
    html = signed_in(client, world.resident).get(INBOX).content.decode()
    assert reverse("matters:detail", args=[matter.pk]) in html
    assert matter.number in html


# --- Marking read ----------------------------------------------------------------------------


def test_marking_one_notice_read(client, world):
    notice = status_notice(world.resident)
    other = status_notice(world.resident)
    response = signed_in(client, world.resident).post(READ, {"notice": notice.pk})
    assert response.status_code == 302 and response["Location"] == INBOX
    notice.refresh_from_db(), other.refresh_from_db()
    assert notice.read_at is not None and other.read_at is None


def test_marking_it_read_again_keeps_the_first_time(client, world):
    notice = status_notice(world.resident)
    client = signed_in(client, world.resident)
    client.post(READ, {"notice": notice.pk})
    first = Notice.objects.get(pk=notice.pk).read_at
    client.post(READ, {"notice": notice.pk})
    assert Notice.objects.get(pk=notice.pk).read_at == first


def test_another_person_s_notice_is_not_found(client, world):
    theirs = status_notice(world.neighbour)
    response = signed_in(client, world.resident).post(READ, {"notice": theirs.pk})
    assert response.status_code == 404
    assert Notice.objects.get(pk=theirs.pk).read_at is None


def test_marking_all_read_touches_only_one_s_own(client, world):
    mine = [status_notice(world.resident) for _n in range(3)]
    theirs = status_notice(world.neighbour)
    response = signed_in(client, world.resident).post(READ, {"all": "1", "next": INBOX + "?page=1"})
    assert response.status_code == 302 and response["Location"] == INBOX + "?page=1"
    assert not Notice.objects.filter(pk__in=[n.pk for n in mine], read_at__isnull=True).exists()
    assert Notice.objects.get(pk=theirs.pk).read_at is None


def test_reading_is_a_post(client, world):
    notice = status_notice(world.resident)
    response = signed_in(client, world.resident).get(READ, {"notice": notice.pk})
    assert response.status_code == 405


def test_a_read_request_naming_nothing_is_refused(client, world):
    assert signed_in(client, world.resident).post(READ, {"notice": "x"}).status_code == 400


def test_it_never_redirects_to_another_site(client, world):
    notice = status_notice(world.resident)
    response = signed_in(client, world.resident).post(
        READ, {"notice": notice.pk, "next": "https://evil.example/"})
    assert response["Location"] == INBOX


# --- Languages --------------------------------------------------------------------------------


def test_a_notice_reads_in_the_reader_s_language(world):
    notice = status_notice(world.resident, "2026-000042")
    with translation.override("en"):
        assert notice.text == "Matter 2026-000042: Being handled."
    with translation.override("zh-hans"):
        assert notice.text == "诉求 2026-000042：办理中。"


def test_the_same_notice_is_stored_once_and_shown_in_each_language(client, world):
    status_notice(world.resident, "2026-000042")
    english = signed_in(client, world.resident, "en").get(INBOX).content.decode()
    assert "Matter 2026-000042: Being handled." in english
    chinese = signed_in(client, world.resident, "zh-hans").get(INBOX).content.decode()
    assert "诉求 2026-000042：办理中。" in chinese


def test_every_notice_kind_renders_in_english_and_chinese(world):
    params = {"number": "2026-000042", "due": "2026-10-01 16:00", "status": Status.NEW,
              "department": "城管局"}
    for kind in NoticeKind:
        notice = Notice(recipient=world.resident, kind=kind, params=params)
        with translation.override("en"):
            english = notice.text
        with translation.override("zh-hans"):
            chinese = notice.text
        assert "2026-000042" in english and "2026-000042" in chinese
        assert english != chinese, kind


# --- The unread count in the header -------------------------------------------------------------


def test_the_unread_count_is_one_query_for_a_signed_in_person(world, django_assert_num_queries):
    status_notice(world.resident)
    status_notice(world.resident)
    Notice.objects.filter(pk=status_notice(world.resident).pk).update(read_at="2026-09-30T08:00Z")
    status_notice(world.neighbour)
    request = RequestFactory().get("/")
    request.user = world.resident
    with django_assert_num_queries(1):
        assert unread_count(request) == {"unread_notices": 2}


def test_there_is_no_unread_count_for_someone_not_signed_in(django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread_count(request) == {}
