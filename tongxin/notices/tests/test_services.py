"""notify(): a notice per recipient about any record, worded by the app that declared its
kind, e-mailed only once the change commits."""

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tongxin.kernel import registry
from tongxin.matters.notices import NoticeKind
from tongxin.notices import selectors
from tongxin.notices.models import Notice
from tongxin.notices.services import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def declared(monkeypatch):
    """Declare notice kinds of a test app (gone after the test)."""
    def declare(**kinds):
        monkeypatch.setitem(registry._MANIFESTS, "tests",
                            registry.Manifest("tests", notice_kinds=kinds))
        monkeypatch.setattr(registry, "_ORDERED", [])  # the ordered copy is made anew
    return declare


def test_a_notice_about_a_record_names_it_and_its_place(world, new_matter):
    matter = new_matter()
    [notice] = notify([world.neighbour], NoticeKind.STATUS, subject=matter,
                      number=matter.number, status="new")
    notice.refresh_from_db()
    assert (notice.subject_type, notice.subject_id, notice.place_code) == (
        "matters.matter", str(matter.pk), matter.place_code)
    assert list(Notice.objects.about(matter).filter(recipient=world.neighbour)) == [notice]


def test_a_notice_about_nothing_has_no_subject(world):
    [notice] = notify([world.resident], NoticeKind.STATUS, number="2026-000001", status="new")
    assert (notice.subject_type, notice.subject_id, notice.place_code) == ("", "", "")


def test_each_person_gets_one_notice_and_nobody_is_skipped_silently(world):
    notices = notify([world.resident, None, world.resident, world.neighbour], "raised",
                     number="2026-000001", due="2026-10-01 16:00")
    assert sorted(n.recipient_id for n in notices) == sorted(
        [world.resident.pk, world.neighbour.pk])


def test_the_e_mail_goes_only_once_the_change_commits(world):
    world.resident.email = "resident@example.cn"
    world.resident.save(update_fields=["email"])
    with pytest.raises(RuntimeError), transaction.atomic():
        notify([world.resident], NoticeKind.STATUS, number="2026-000001", status="new")
        raise RuntimeError("the change failed")
    assert mail.outbox == [] and not Notice.objects.filter(recipient=world.resident).exists()
    with transaction.atomic():
        notify([world.resident], NoticeKind.STATUS, number="2026-000001", status="new")
        assert mail.outbox == []
    assert [m.to for m in mail.outbox] == [["resident@example.cn"]]


# --- wording from the registry ---------------------------------------------------------------


def test_a_kind_may_be_worded_by_a_callable_that_receives_the_params(world, declared):
    declared(counted=lambda params: f"{params['n']} × {params['what']}")
    [notice] = notify([world.resident], "counted", n=3, what="votes")
    assert notice.text == "3 × votes"


def test_a_kind_no_app_declares_reads_as_its_code(world):
    assert Notice(recipient=world.resident, kind="withdrawn", params={}).text == "withdrawn"


def test_the_matter_kinds_are_declared_by_matters():
    kinds = registry.manifest("matters").notice_kinds
    assert set(kinds) == set(NoticeKind.values)
    assert callable(kinds[NoticeKind.STATUS])  # the status is shown as its label
    with translation.override("en"):
        assert kinds[NoticeKind.STATUS]({"number": "2026-000042", "status": "in_progress"}) == (
            "Matter 2026-000042: Being handled.")


# --- links to the subject ----------------------------------------------------------------------


def test_a_notice_links_to_its_subject_s_page_in_the_subject_s_words(world, new_matter):
    matter = new_matter()
    [notice] = selectors.with_links(
        Notice.objects.about(matter).filter(recipient=world.resident))
    assert notice.link == reverse("matters:detail", args=[matter.pk])
    with translation.override("en"):
        assert str(notice.link_text) == "Open the matter"


def test_a_notice_whose_subject_is_gone_or_has_no_page_has_no_link(world, new_matter):
    matter = new_matter()
    gone = Notice.objects.create(recipient=world.resident, kind="status",
                                 subject_type="matters.matter", subject_id="999999")
    pageless = Notice.objects.create(recipient=world.resident, kind="status",
                                     subject_type="places.place", subject_id=str(world.b1.pk))
    linked = Notice.objects.about(matter).filter(recipient=world.resident).first()
    shown = {n.pk: n.link for n in selectors.with_links([gone, pageless, linked])}
    assert shown[gone.pk] is None and shown[pageless.pk] is None and shown[linked.pk]


def test_links_take_one_query_per_kind_of_subject_whatever_the_number(world, new_matter):
    counts = []
    for total in (2, 12):
        for _n in range(total):
            new_matter()
        notices = list(Notice.objects.filter(recipient=world.resident))
        with CaptureQueriesContext(connection) as queries:
            selectors.with_links(notices)
        counts.append(len(queries))
    assert counts == [1, 1]
