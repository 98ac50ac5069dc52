"""Deadlines passing: the scan flags, reminds and escalates; people hear of what concerns them.

The clock starts on Wednesday 30 September 2026, 16:00 in Shanghai; a matter raised
then must be heard by 16:00 the next day.
"""

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation

from tongxin.deadlines.models import DistrictSettings
from tongxin.deadlines.services import scan_deadlines
from tongxin.deadlines.tasks import scan_deadlines_task
from tongxin.matters.choices import Kind, Level, Status, Visibility
from tongxin.matters.models import Matter
from tongxin.matters.notices import NoticeKind
from tongxin.matters.services import (
    escalate,
    park,
    report_in,
    resolve,
    triage,
    whistle,
)
from tongxin.notices.models import Notice
from tongxin.people.choices import Role
from tongxin.people.services import update_person

pytestmark = pytest.mark.django_db

NO_CHANGE = {"overdue": 0, "escalated": 0, "departments_late": 0}
# Who handles a matter owned by grid g1, and who supervises it from the places above.
GRID_OWNER = {Role.GRID_WORKER}
SUPERVISORS = {Role.COMPOUND_SECRETARY, Role.COMMUNITY_SECRETARY, Role.COMMITTEE_MEMBER,
               Role.STREET_OFFICER, Role.DISTRICT_OFFICER}


def people(world, roles):
    return {world.by_role[role].pk for role in roles}


def recipients(matter, kind):
    return set(Notice.objects.about(matter).filter(kind=kind).values_list("recipient_id",
                                                                             flat=True))


def events(matter, action):
    return list(matter.events.filter(action=action))


@pytest.fixture
def matter(world, frozen, new_matter):
    return new_matter()


@pytest.fixture
def auto_escalate(world):
    return DistrictSettings.objects.create(district=world.district, auto_escalate=True)


def when(time_machine, text):
    time_machine.move_to(text, tick=False)


# --- Flagging and reminding -----------------------------------------------------------------


def test_nothing_is_flagged_before_the_deadline(world, frozen, matter):
    when(frozen, "2026-10-01 15:59+08:00")
    assert scan_deadlines() == NO_CHANGE
    assert not Notice.objects.filter(kind=NoticeKind.OVERDUE).exists()


def test_a_matter_past_its_hear_deadline_is_flagged_once(world, frozen, matter):
    when(frozen, "2026-10-01 16:01+08:00")
    assert scan_deadlines() == {"overdue": 1, "escalated": 0, "departments_late": 0}
    matter.refresh_from_db()
    assert matter.overdue_notified_at is not None
    assert matter.is_overdue and matter.status == Status.NEW
    [event] = events(matter, "overdue")
    assert event.visibility == Visibility.INTERNAL and event.actor is None
    assert event.data["owner"] == world.g1.name


def test_a_second_scan_does_nothing_new(world, frozen, matter):
    when(frozen, "2026-10-01 16:01+08:00")
    scan_deadlines()
    notices = Notice.objects.count()
    when(frozen, "2026-10-02 09:00+08:00")
    assert scan_deadlines() == NO_CHANGE
    assert Notice.objects.count() == notices
    assert len(events(matter, "overdue")) == 1


def test_the_owner_and_the_supervisors_above_are_reminded(world, frozen, matter):
    when(frozen, "2026-10-01 16:01+08:00")
    scan_deadlines()
    assert recipients(matter, NoticeKind.OVERDUE) == people(world, GRID_OWNER | SUPERVISORS)


def test_the_overdue_notice_names_the_matter_and_its_deadline(world, frozen, matter):
    when(frozen, "2026-10-01 16:01+08:00")
    scan_deadlines()
    notice = Notice.objects.get(kind=NoticeKind.OVERDUE, recipient=world.by_role[Role.GRID_WORKER])
    with translation.override("en"):
        assert notice.text == (f"Matter {matter.number} “{matter.title}” is overdue "
                               "(due 2026-10-01 16:00).")
    with translation.override("zh-hans"):
        assert notice.text == (f"诉求 {matter.number}“{matter.title}”已超期"
                               "（截止时间 2026-10-01 16:00）。")


def test_the_reporter_is_not_told_of_the_internal_overdue_flag(world, frozen, matter):
    when(frozen, "2026-10-01 16:01+08:00")
    scan_deadlines()
    assert not Notice.objects.filter(recipient=world.resident, kind=NoticeKind.OVERDUE).exists()


def test_a_matter_escalated_to_the_community_reminds_only_the_levels_from_there_up(
        world, frozen, matter):
    escalate(matter, by=world.by_role[Role.GRID_WORKER], reason="需要社区协调",
             to_level=Level.COMMUNITY)
    when(frozen, "2026-10-20 16:01+08:00")  # 10 working days later, without holidays
    assert scan_deadlines()["overdue"] == 1
    assert recipients(matter, NoticeKind.OVERDUE) == people(world, {
        Role.COMMUNITY_SECRETARY, Role.COMMITTEE_MEMBER, Role.STREET_OFFICER,
        Role.DISTRICT_OFFICER})


def test_a_parked_or_resolved_matter_is_not_overdue(world, frozen, new_matter):
    worker = world.by_role[Role.GRID_WORKER]
    parked = park(triage(new_matter(), by=worker, kind=Kind.PENDING), by=worker)
    resolved = resolve(triage(new_matter(title="楼道灯坏了"), by=worker, kind=Kind.IMMEDIATE),
                       by=worker, what_was_done="已更换灯泡", basis="物业服务合同",
                       standard="当天修复")
    when(frozen, "2026-12-31 12:00+08:00")
    assert scan_deadlines() == NO_CHANGE
    assert parked.status == Status.AWAITING_DELIBERATION and resolved.status == Status.RESOLVED


def test_a_matter_heard_in_time_is_not_flagged_for_the_hear_deadline(world, frozen, matter):
    triage(matter, by=world.by_role[Role.GRID_WORKER], kind=Kind.IMMEDIATE)
    when(frozen, "2026-10-01 15:00+08:00")
    assert scan_deadlines() == NO_CHANGE
    when(frozen, "2026-10-01 16:01+08:00")  # handle-now: 24 hours from triage at 16:00
    assert scan_deadlines()["overdue"] == 1


def test_a_new_deadline_can_be_flagged_again(world, frozen, matter):
    when(frozen, "2026-10-01 16:01+08:00")
    scan_deadlines()
    triage(matter, by=world.by_role[Role.GRID_WORKER], kind=Kind.IMMEDIATE)
    assert Matter.objects.get(pk=matter.pk).overdue_notified_at is None
    when(frozen, "2026-10-02 16:02+08:00")
    assert scan_deadlines()["overdue"] == 1
    assert len(events(matter, "overdue")) == 2


# --- Automatic escalation -----------------------------------------------------------------


def test_without_auto_escalation_the_matter_stays_with_its_owner(world, frozen, matter):
    when(frozen, "2026-10-01 16:01+08:00")
    scan_deadlines()
    matter.refresh_from_db()
    assert matter.owner_level == Level.GRID and not events(matter, "escalated")


def test_with_auto_escalation_an_overdue_matter_goes_one_level_up(world, frozen, matter,
                                                                  auto_escalate, calendar_2026):
    when(frozen, "2026-10-01 16:01+08:00")
    assert scan_deadlines() == {"overdue": 1, "escalated": 1, "departments_late": 0}
    matter.refresh_from_db()
    assert (matter.owner_level, matter.owner_place) == (Level.COMPOUND, world.compound_a1a)
    assert matter.status == Status.IN_PROGRESS and matter.escalation_count == 1
    # A fresh deadline at the compound: 10 working days, after the National Day holiday.
    assert matter.due_at.isoformat() == "2026-10-20T08:01:00+00:00"
    assert matter.overdue_notified_at is None
    [event] = events(matter, "escalated")
    assert event.actor is None
    assert (event.data["from_level"], event.data["to_level"]) == (Level.GRID, Level.COMPOUND)


def test_the_new_owner_hears_of_it_and_a_second_scan_escalates_nothing(
        world, frozen, matter, auto_escalate):
    when(frozen, "2026-10-01 16:01+08:00")
    scan_deadlines()
    assert recipients(matter, NoticeKind.ASSIGNED) >= people(world, {Role.COMPOUND_SECRETARY})
    assert scan_deadlines() == NO_CHANGE


def test_each_missed_deadline_climbs_one_more_level(world, frozen, matter, auto_escalate,
                                                    weekdays_only):
    when(frozen, "2026-10-01 16:01+08:00")
    scan_deadlines()
    when(frozen, "2026-10-20 16:00+08:00")  # past the compound's 10 working days (no calendar)
    assert scan_deadlines()["escalated"] == 1
    matter.refresh_from_db()
    assert matter.owner_level == Level.COMMUNITY and matter.escalation_count == 2


def test_a_whistled_matter_is_not_escalated_automatically(world, frozen, matter, auto_escalate, weekdays_only):
    officer = world.by_role[Role.DISTRICT_OFFICER]
    escalate(matter, by=officer, reason="跨部门问题", to_level=Level.DISTRICT)
    whistle(matter, by=officer, departments=[world.department])
    report_in(matter.whistles.get(), by=world.by_role[Role.DEPARTMENT_STAFF])
    when(frozen, "2026-10-15 16:01+08:00")  # past the 10 working days to answer
    assert scan_deadlines() == {"overdue": 1, "escalated": 0, "departments_late": 0}
    assert Matter.objects.get(pk=matter.pk).status == Status.WHISTLED


# --- Whistled departments -------------------------------------------------------------------


@pytest.fixture
def whistled(world, frozen, new_matter):
    """Return a matter the district whistled the 城管局 to, at 16:00 on 30 September."""

    def make(**fields):
        officer = world.by_role[Role.DISTRICT_OFFICER]
        matter = escalate(new_matter(**fields), by=officer, reason="需要部门执法",
                          to_level=Level.DISTRICT)
        return whistle(matter, by=officer, departments=[world.department])

    return make


def test_a_department_that_did_not_report_in_within_24_hours_is_flagged(world, frozen,
                                                                        whistled):
    matter = whistled()
    when(frozen, "2026-10-01 16:01+08:00")
    assert scan_deadlines() == {"overdue": 0, "escalated": 0, "departments_late": 1}
    [event] = events(matter, "department_late")
    assert event.data["department"] == world.department.name
    assert matter.whistles.get().overdue_notified_at is not None


def test_the_department_and_the_district_office_hear_that_it_is_late(world, frozen, whistled):
    matter = whistled()
    when(frozen, "2026-10-01 16:01+08:00")
    scan_deadlines()
    assert recipients(matter, NoticeKind.DEPARTMENT_LATE) == people(
        world, {Role.DEPARTMENT_STAFF, Role.DISTRICT_OFFICER})
    notice = Notice.objects.get(kind=NoticeKind.DEPARTMENT_LATE,
                                recipient=world.by_role[Role.DISTRICT_OFFICER])
    with translation.override("en"):
        assert notice.text == (f"城管局 has not reported in on matter {matter.number} "
                               f"“{matter.title}” (due 2026-10-01 16:00).")


def test_a_late_department_is_flagged_once(world, frozen, whistled):
    whistled()
    when(frozen, "2026-10-01 16:01+08:00")
    scan_deadlines()
    when(frozen, "2026-10-02 16:01+08:00")
    assert scan_deadlines() == NO_CHANGE


def test_an_emergency_gives_the_department_two_hours(world, frozen, whistled):
    whistled(emergency=True)
    when(frozen, "2026-09-30 17:59+08:00")
    assert scan_deadlines()["departments_late"] == 0
    when(frozen, "2026-09-30 18:01+08:00")
    assert scan_deadlines()["departments_late"] == 1


def test_a_department_that_reported_in_on_time_is_not_flagged(world, frozen, whistled):
    matter = whistled()
    when(frozen, "2026-10-01 10:00+08:00")
    report_in(matter.whistles.get(), by=world.by_role[Role.DEPARTMENT_STAFF])
    when(frozen, "2026-10-01 16:01+08:00")
    assert scan_deadlines() == NO_CHANGE
    assert not events(matter, "department_late")


# --- Who hears of what --------------------------------------------------------------------


def kinds_for(person, matter):
    return list(Notice.objects.about(matter).filter(recipient=person).order_by("pk")
                .values_list("kind", "params__status"))


def test_the_reporter_hears_of_every_public_change(world, frozen, matter):
    worker, officer = world.by_role[Role.GRID_WORKER], world.by_role[Role.COMPOUND_SECRETARY]
    triage(matter, by=worker, kind=Kind.PENDING)
    escalate(matter, by=worker, reason="需要小区党支部协调")
    resolve(matter, by=officer, what_was_done="已划定电动车停放区", basis="小区议事会决定",
            standard="消防通道畅通")
    assert kinds_for(world.resident, matter) == [
        (NoticeKind.RAISED, None),
        (NoticeKind.STATUS, Status.IN_PROGRESS),
        (NoticeKind.STATUS, Status.IN_PROGRESS),
        (NoticeKind.RESOLVED, Status.RESOLVED),
    ]


def test_the_owner_hears_of_every_assignment(world, frozen, matter):
    worker = world.by_role[Role.GRID_WORKER]
    assert kinds_for(worker, matter) == [(NoticeKind.ASSIGNED, None)]
    escalate(matter, by=worker, reason="需要小区党支部协调")
    assert kinds_for(world.by_role[Role.COMPOUND_SECRETARY], matter) == [
        (NoticeKind.ASSIGNED, None)]


def test_a_supporter_hears_of_public_changes_too(world, frozen, matter):
    from tongxin.matters.services import support

    support(matter, by=world.neighbour)
    triage(matter, by=world.by_role[Role.GRID_WORKER], kind=Kind.IMMEDIATE)
    assert kinds_for(world.neighbour, matter) == [(NoticeKind.STATUS, Status.IN_PROGRESS)]


# --- E-mail, after the commit ---------------------------------------------------------------


@pytest.fixture
def with_email(world):
    def give(person, address):
        update_person(person, email=address)
        person.refresh_from_db()  # the world's objects act in the services below

    give(world.resident, "resident@example.cn")
    give(world.by_role[Role.GRID_WORKER], "grid@example.cn")
    give(world.by_role[Role.STREET_OFFICER], "street@example.cn")
    return world


def test_e_mails_go_out_only_after_the_commit(with_email, frozen, new_matter):
    from django.db import transaction

    # The raise inside a larger transaction: nothing is sent until that one commits
    # (tests see commits as production does: tongxin/conftest.py).
    with transaction.atomic():
        matter = new_matter()
        assert mail.outbox == []
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"resident@example.cn", "grid@example.cn"}
    assert by_address["resident@example.cn"].body == (
        f"您的诉求 {matter.number}“{matter.title}”已收到，将在 2026-10-01 16:00 前受理。")


def test_an_overdue_matter_e_mails_the_owner_and_supervisors_who_have_an_address(
        with_email, frozen, matter):
    when(frozen, "2026-10-01 16:01+08:00")
    mail.outbox.clear()  # the raise's own e-mails (to the reporter and the grid worker)
    scan_deadlines()
    assert sorted(message.to[0] for message in mail.outbox) == [
        "grid@example.cn", "street@example.cn"]
    assert all("已超期" in message.subject for message in mail.outbox)


def test_a_rolled_back_change_sends_no_e_mail(with_email, frozen, new_matter,
                                              django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            new_matter()
            raise RuntimeError("undo")
    assert mail.outbox == []


# --- Running the scan in the background -------------------------------------------------------


def test_the_scan_task_returns_its_counts(world, frozen, matter):
    when(frozen, "2026-10-01 16:01+08:00")
    result = scan_deadlines_task.enqueue()
    assert result.return_value == {"overdue": 1, "escalated": 0, "departments_late": 0}


def test_check_deadlines_scans_once_and_prints_the_counts(world, frozen, matter):
    when(frozen, "2026-10-01 16:01+08:00")
    out = io.StringIO()
    call_command("check_deadlines", stdout=out)
    assert "overdue 1, escalated 0, departments late 0" in out.getvalue()
    assert Matter.objects.get(pk=matter.pk).overdue_notified_at is not None


@pytest.fixture
def keep_test_connection(monkeypatch):
    """The loop drops stale connections between scans; in a test that would drop the
    test's own transaction (PostgreSQL), so keep it."""
    monkeypatch.setattr(
        "tongxin.core.periodic.close_old_connections", lambda: None
    )


def test_check_deadlines_every_n_seconds_keeps_scanning(world, frozen, matter, monkeypatch,
                                                         keep_test_connection):
    sleeps = []
    monkeypatch.setattr("time.sleep", sleeps.append)
    when(frozen, "2026-10-01 16:01+08:00")
    out = io.StringIO()
    call_command("check_deadlines", every=300, max_runs=3, stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and sleeps == [300, 300]
    assert "overdue 1," in lines[0] and "overdue 0," in lines[1]


def test_check_deadlines_keeps_going_when_a_scan_fails(world, frozen, monkeypatch,
                                                       keep_test_connection):
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database restarting")
        return NO_CHANGE

    monkeypatch.setattr("tongxin.deadlines.tasks.scan_deadlines", flaky)
    out = io.StringIO()
    call_command("check_deadlines", every=1, max_runs=2, stdout=out)
    assert len(calls) == 2 and "overdue 0" in out.getvalue()


def test_check_deadlines_can_hand_the_scan_to_the_worker(world, frozen, matter):
    when(frozen, "2026-10-01 16:01+08:00")
    out = io.StringIO()
    call_command("check_deadlines", enqueue=True, stdout=out)
    assert out.getvalue().startswith("queued deadline scan ")
    # The test settings run tasks at once; production leaves them to `tongxin db_worker`.
    assert Matter.objects.get(pk=matter.pk).overdue_notified_at is not None
