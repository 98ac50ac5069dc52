"""Deadline records: every stage with a time limit leaves a row that nothing erases.

The clock starts on Wednesday 30 September 2026, 16:00 in Shanghai (conftest.frozen).
"""

import pytest

from tongxin.deadlines.choices import Stage
from tongxin.deadlines.models import Deadline, Outcome
from tongxin.deadlines.services import scan_deadlines
from tongxin.kernel.models import PublishedEvent
from tongxin.matters import services
from tongxin.matters.choices import Kind, Level
from tongxin.matters.models import Whistle

pytestmark = pytest.mark.django_db


def rows(subject):
    return list(Deadline.objects.filter(subject_type=subject._meta.label_lower,
                                        subject_id=str(subject.pk)).order_by("pk"))


def when(time_machine, text):
    time_machine.move_to(text, tick=False)


@pytest.fixture
def grid_worker(world):
    return world.by_role["grid_worker"]


def test_raising_starts_the_hear_deadline(world, frozen, new_matter):
    matter = new_matter()
    [hear] = rows(matter)
    assert (hear.stage, hear.outcome, hear.met_at, hear.ended_at) == (Stage.HEAR, "", None, None)
    assert hear.due_at == matter.due_at and hear.owner_code == world.g1.code
    assert hear.place_code == matter.place_code and hear.district == world.district


def test_a_matter_resolved_keeps_the_history_of_each_stage(world, frozen, new_matter,
                                                          grid_worker):
    matter = new_matter()
    when(frozen, "2026-09-30 18:00+08:00")
    services.triage(matter, by=grid_worker, kind=Kind.IMMEDIATE)
    when(frozen, "2026-10-01 10:00+08:00")
    matter = services.resolve(matter, by=grid_worker, what_was_done="清走了电动车",
                              basis="《消防法》", standard="通道畅通")
    assert matter.due_at is None  # the matter's copy of its current deadline is cleared …
    hear, handle = rows(matter)  # … the records are not
    assert (hear.stage, hear.outcome) == (Stage.HEAR, Outcome.MET)
    assert hear.met_at.isoformat() == "2026-09-30T10:00:00+00:00" and hear.met_in_time
    assert (handle.stage, handle.outcome) == (Stage.HANDLE, Outcome.MET)
    assert handle.met_in_time and handle.ended_at == handle.met_at


def test_a_late_result_is_met_but_not_in_time(world, frozen, new_matter, grid_worker):
    matter = new_matter()
    services.triage(matter, by=grid_worker, kind=Kind.IMMEDIATE)  # 24 hours to handle
    when(frozen, "2026-10-02 09:00+08:00")
    services.resolve(matter, by=grid_worker, what_was_done="清走了电动车", basis="《消防法》",
                     standard="通道畅通")
    handle = rows(matter)[-1]
    assert handle.outcome == Outcome.MET and not handle.met_in_time


def test_on_time_rates_are_counts_of_rows(world, frozen, new_matter, grid_worker):
    in_time, late = new_matter(), new_matter(title="楼道堆物", description="三楼楼道堆满杂物")
    for matter in (in_time, late):
        services.triage(matter, by=grid_worker, kind=Kind.IMMEDIATE)
    services.resolve(in_time, by=grid_worker, what_was_done="清理", basis="规定", standard="干净")
    when(frozen, "2026-10-02 09:00+08:00")
    services.resolve(late, by=grid_worker, what_was_done="清理", basis="规定", standard="干净")
    handled = Deadline.objects.filter(stage=Stage.HANDLE, outcome=Outcome.MET)
    on_time = [d for d in handled if d.met_in_time]
    assert (len(on_time), handled.count()) == (1, 2)


def test_an_escalation_supersedes_the_handling_clock_of_the_level_below(
        world, frozen, new_matter, grid_worker):
    matter = new_matter()
    services.triage(matter, by=grid_worker, kind=Kind.PENDING)
    services.escalate(matter, by=grid_worker, reason="需要社区协调", to_level=Level.COMMUNITY)
    hear, grid_handle, community_handle = rows(matter)
    assert grid_handle.outcome == Outcome.SUPERSEDED and grid_handle.met_at is None
    assert grid_handle.owner_code == world.g1.code
    assert community_handle.owner_code == world.community_a1.code
    assert community_handle.ended_at is None


def test_parking_drops_the_clock_and_resuming_starts_a_new_one(world, frozen, new_matter,
                                                               grid_worker):
    matter = new_matter()
    services.triage(matter, by=grid_worker, kind=Kind.PENDING)
    services.park(matter, by=grid_worker)
    services.resume(matter, by=grid_worker)
    stages = [(d.stage, d.outcome) for d in rows(matter)]
    assert stages == [(Stage.HEAR, Outcome.MET), (Stage.HANDLE, Outcome.DROPPED),
                      (Stage.HANDLE, "")]


def test_each_whistled_department_has_its_own_report_and_answer_deadlines(
        world, frozen, new_matter, grid_worker):
    matter = new_matter()
    services.escalate(matter, by=grid_worker, reason="需要区里协调", to_level=Level.DISTRICT)
    services.whistle(matter, by=world.by_role["district_officer"], departments=[world.department])
    item = Whistle.objects.get(matter=matter)
    report, answer = rows(item)
    assert (report.stage, answer.stage) == (Stage.WHISTLE_REPORT, Stage.WHISTLE_ANSWER)
    assert report.owner_code == world.department.place.code
    services.report_in(item, by=world.by_role["department_staff"])
    report, answer = rows(item)
    assert report.outcome == Outcome.MET and answer.ended_at is None
    services.answer_whistle(item, by=world.by_role["department_staff"], answer="已清理")
    assert [d.outcome for d in rows(item)] == [Outcome.MET, Outcome.MET]
    assert rows(matter)[-1].stage == Stage.WHISTLE_ANSWER


def test_the_scan_stamps_a_breach_once_and_keeps_the_row(world, frozen, new_matter):
    matter = new_matter()
    when(frozen, "2026-10-01 16:01+08:00")
    assert scan_deadlines()["overdue"] == 1
    [hear] = rows(matter)
    assert hear.breached_at.isoformat() == "2026-10-01T08:01:00+00:00"
    assert hear.ended_at is None  # still open: hearing late is still hearing
    assert PublishedEvent.objects.filter(kind="deadlines.breached",
                                         subject_id=str(hear.pk)).count() == 1
    when(frozen, "2026-10-01 17:00+08:00")
    assert scan_deadlines()["overdue"] == 0
    assert rows(matter)[0].breached_at == hear.breached_at


def test_open_matters_from_before_the_records_get_one_on_migration(world, frozen, new_matter,
                                                                  grid_worker):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("tongxin.deadlines.migrations.0004_deadline_records_of_open_matters")
    matter = new_matter()
    services.triage(matter, by=grid_worker, kind=Kind.IMMEDIATE)
    Deadline.objects.all().delete()  # as it was before this release
    migration.forwards(apps, None)
    [handle] = rows(matter)
    assert (handle.stage, handle.due_at, handle.ended_at) == (Stage.HANDLE, matter.due_at, None)


def test_a_matter_resolved_while_whistled_ends_the_departments_open_deadlines(
        world, frozen, new_matter, grid_worker):
    matter = new_matter()
    services.escalate(matter, by=grid_worker, reason="需要区里协调", to_level=Level.DISTRICT)
    district_officer = world.by_role["district_officer"]
    services.whistle(matter, by=district_officer, departments=[world.department])
    services.resolve(matter, by=district_officer, what_was_done="区里直接协调解决",
                     basis="会议纪要", standard="居民满意")
    item = Whistle.objects.get(matter=matter)
    assert [(d.stage, d.outcome) for d in rows(item)] == [
        (Stage.WHISTLE_REPORT, Outcome.DROPPED), (Stage.WHISTLE_ANSWER, Outcome.DROPPED)]
    when(frozen, "2026-12-01 09:00+08:00")
    assert scan_deadlines()["departments_late"] == 0  # nobody is chased for a closed stage
