"""Which deadline rule applies, and when it falls, with the clock stopped on 30 Sep 2026 16:00.

China's 2026 National Day holiday runs from Thursday 1 to Wednesday 7 October; Sunday
20 September and Saturday 10 October are worked to make up for it (State Council).
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from tongxin.deadlines import policy
from tongxin.deadlines.choices import Stage, Unit
from tongxin.deadlines.models import CalendarDay, DeadlineRule, DistrictSettings
from tongxin.matters.choices import Kind, Level
from tongxin.matters.models import Matter
from tongxin.matters.services import triage
from tongxin.people.choices import Role
from tongxin.places.choices import PlaceKind
from tongxin.places.services import create_place

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text):
    """Return an aware datetime for a Shanghai wall-clock time, e.g. at("2026-10-20 16:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def due(world, stage, **matter):
    return policy.deadline(district=world.district, stage=stage, **matter)


def rule(world, stage, amount, unit, **applies_to):
    return DeadlineRule.objects.create(district=world.district, stage=stage, amount=amount,
                                       unit=unit, **applies_to)


def working_days_after(world, start, days):
    return policy.add_working_days(world.district, at(start), days)


# --- The defaults ------------------------------------------------------------------------


def test_a_new_matter_must_be_heard_within_24_hours(world, frozen):
    assert due(world, Stage.HEAR) == at("2026-10-01 16:00")


def test_an_emergency_must_be_heard_within_one_hour(world, frozen):
    assert due(world, Stage.HEAR, emergency=True) == at("2026-09-30 17:00")


def test_a_handle_now_matter_is_due_within_24_hours_even_over_a_holiday(world, frozen,
                                                                        calendar_2026):
    assert due(world, Stage.HANDLE, kind=Kind.IMMEDIATE) == at("2026-10-01 16:00")


def test_a_whistled_department_reports_in_within_24_hours(world, frozen):
    assert due(world, Stage.WHISTLE_REPORT) == at("2026-10-01 16:00")


def test_a_whistled_department_reports_in_within_2_hours_for_an_emergency(world, frozen):
    assert due(world, Stage.WHISTLE_REPORT, emergency=True) == at("2026-09-30 18:00")


def test_a_whistled_department_answers_within_10_working_days(world, frozen, weekdays_only):
    # For a year without the national arrangement only weekends are skipped:
    # Oct 1, 2, 5 … 9, 12, 13, 14.
    assert due(world, Stage.WHISTLE_ANSWER) == at("2026-10-14 16:00")


def test_the_10_working_days_skip_the_national_day_holiday_and_count_the_make_up_saturday(
        world, frozen, calendar_2026):
    # Oct 8, 9, 10 (a Saturday worked), 12 … 16, 19, 20.
    assert due(world, Stage.WHISTLE_ANSWER) == at("2026-10-20 16:00")


def test_a_matter_needing_deliberation_has_15_working_days(world, frozen, calendar_2026):
    assert due(world, Stage.HANDLE, kind=Kind.PENDING) == at("2026-10-27 16:00")


def test_the_district_handles_what_it_owns_within_5_working_days(world, frozen, calendar_2026):
    assert due(world, Stage.HANDLE, kind=Kind.ESCALATE, level=Level.DISTRICT) == at(
        "2026-10-13 16:00")


def test_a_matter_needing_deliberation_keeps_15_days_at_district_level(world, frozen):
    # The kind is more specific than the level.
    rule_found = policy.rule_for(district=world.district, stage=Stage.HANDLE, kind=Kind.PENDING,
                                 level=Level.DISTRICT)
    assert (rule_found.amount, rule_found.unit) == (15, Unit.WORKING_DAYS)


def test_the_reopen_window_counts_calendar_days(world, frozen, calendar_2026):
    assert due(world, Stage.REOPEN_WINDOW) == at("2026-10-15 16:00")


def test_every_stage_has_a_default_for_ordinary_and_emergency_matters(world):
    for stage in Stage:
        for emergency in (False, True):
            for kind in ("", *Kind.values):
                assert policy.rule_for(district=world.district, stage=stage, kind=kind,
                                       emergency=emergency)


def test_without_any_rule_the_lookup_says_which_stage(world, monkeypatch):
    monkeypatch.setattr(policy, "DEFAULTS", ())
    with pytest.raises(LookupError, match="hear"):
        policy.rule_for(district=world.district, stage=Stage.HEAR)


# --- A district's own rules ----------------------------------------------------------------


def test_a_district_rule_overrides_the_default(world, frozen):
    rule(world, Stage.HEAR, 12, Unit.HOURS)
    assert due(world, Stage.HEAR) == at("2026-10-01 04:00")


def test_a_general_district_rule_leaves_the_stricter_emergency_default_in_force(world, frozen):
    rule(world, Stage.HEAR, 12, Unit.HOURS)
    assert due(world, Stage.HEAR, emergency=True) == at("2026-09-30 17:00")


def test_a_district_emergency_rule_overrides_the_emergency_default(world, frozen):
    rule(world, Stage.HEAR, 2, Unit.HOURS, emergency=True)
    assert due(world, Stage.HEAR, emergency=True) == at("2026-09-30 18:00")
    assert due(world, Stage.HEAR) == at("2026-10-01 16:00")  # ordinary matters keep 24 h


def test_a_general_district_rule_does_not_lengthen_handle_now(world, frozen, weekdays_only):
    rule(world, Stage.HANDLE, 7, Unit.WORKING_DAYS)
    assert due(world, Stage.HANDLE, kind=Kind.IMMEDIATE) == at("2026-10-01 16:00")
    assert due(world, Stage.HANDLE, kind=Kind.ESCALATE) == at("2026-10-09 16:00")


def test_a_district_can_lengthen_the_answer_limit_in_calendar_days(world, frozen):
    rule(world, Stage.WHISTLE_ANSWER, 15, Unit.DAYS)
    assert due(world, Stage.WHISTLE_ANSWER) == at("2026-10-15 16:00")


def test_another_district_s_rules_and_calendar_do_not_apply(world, frozen, weekdays_only):
    other = create_place(kind=PlaceKind.DISTRICT, name="别区", code="990102")
    DeadlineRule.objects.create(district=other, stage=Stage.HEAR, amount=2, unit=Unit.HOURS)
    CalendarDay.objects.create(district=other, date=date(2026, 10, 1), is_working_day=False)
    assert due(world, Stage.HEAR) == at("2026-10-01 16:00")
    assert due(world, Stage.WHISTLE_ANSWER) == at("2026-10-14 16:00")


# --- The most specific rule wins -----------------------------------------------------------


@pytest.fixture
def handle_rules(world, categories):
    """Five district rules for handling; each test asks which one a matter gets."""
    rule(world, Stage.HANDLE, 7, Unit.WORKING_DAYS, level=Level.COMMUNITY)
    rule(world, Stage.HANDLE, 20, Unit.WORKING_DAYS, kind=Kind.PENDING)
    rule(world, Stage.HANDLE, 12, Unit.WORKING_DAYS, kind=Kind.PENDING, level=Level.COMMUNITY)
    rule(world, Stage.HANDLE, 3, Unit.WORKING_DAYS, category=categories["停车管理"])
    rule(world, Stage.HANDLE, 1, Unit.WORKING_DAYS, category=categories["乱停乱放"])


def amount_for(world, categories, category, **matter):
    found = policy.rule_for(district=world.district, stage=Stage.HANDLE,
                            category=categories[category], **matter)
    return found.amount


def test_a_category_rule_beats_kind_and_level(world, categories, handle_rules):
    assert amount_for(world, categories, "僵尸车", kind=Kind.PENDING, level=Level.COMMUNITY) == 3


def test_a_sub_category_rule_beats_its_parent_s(world, categories, handle_rules):
    assert amount_for(world, categories, "乱停乱放", kind=Kind.PENDING) == 1


def test_a_rule_for_a_category_applies_to_its_sub_categories(world, categories, handle_rules):
    assert amount_for(world, categories, "僵尸车") == 3
    assert amount_for(world, categories, "停车管理") == 3


def test_a_category_rule_does_not_apply_to_a_sibling_or_the_parent(world, categories,
                                                                    handle_rules):
    assert amount_for(world, categories, "噪音扰民", kind=Kind.ESCALATE) == 10  # the default
    assert amount_for(world, categories, "社区治理", kind=Kind.ESCALATE) == 10


def test_a_kind_rule_beats_a_level_rule(world, categories, handle_rules):
    assert amount_for(world, categories, "噪音扰民", kind=Kind.PENDING, level=Level.STREET) == 20


def test_kind_and_level_together_beat_kind_alone(world, categories, handle_rules):
    assert amount_for(world, categories, "噪音扰民", kind=Kind.PENDING,
                      level=Level.COMMUNITY) == 12


def test_a_level_rule_applies_when_nothing_more_specific_does(world, categories, handle_rules):
    assert amount_for(world, categories, "噪音扰民", kind=Kind.ESCALATE,
                      level=Level.COMMUNITY) == 7


def test_an_emergency_keeps_its_hours_despite_a_category_rule(world, frozen, categories,
                                                              handle_rules):
    assert due(world, Stage.HANDLE, kind=Kind.IMMEDIATE, category=categories["乱停乱放"],
               emergency=True) == at("2026-09-30 20:00")


def test_an_emergency_rule_for_a_category_beats_the_general_emergency_rule(world, frozen,
                                                                          categories):
    rule(world, Stage.HANDLE, 2, Unit.HOURS, emergency=True, category=categories["停车管理"])
    assert due(world, Stage.HANDLE, category=categories["乱停乱放"], emergency=True) == at(
        "2026-09-30 18:00")
    assert due(world, Stage.HANDLE, category=categories["噪音扰民"], emergency=True) == at(
        "2026-09-30 20:00")


def test_an_emergency_rule_never_applies_to_an_ordinary_matter(world, frozen, categories):
    rule(world, Stage.WHISTLE_REPORT, 1, Unit.HOURS, emergency=True,
         category=categories["乱停乱放"])
    assert due(world, Stage.WHISTLE_REPORT, category=categories["乱停乱放"]) == at(
        "2026-10-01 16:00")


# --- Working days ---------------------------------------------------------------------------


def test_working_days_skip_the_weekend(world, weekdays_only):
    assert working_days_after(world, "2026-09-11 16:00", 1) == at("2026-09-14 16:00")  # Fri→Mon
    assert working_days_after(world, "2026-09-14 09:15", 5) == at("2026-09-21 09:15")


def test_a_make_up_sunday_is_a_working_day(world, calendar_2026):
    # Friday 18 September: the next working day is Sunday the 20th, worked for National Day.
    assert working_days_after(world, "2026-09-18 16:00", 1) == at("2026-09-20 16:00")


def test_without_the_national_arrangement_the_make_up_sunday_is_a_day_off(world, weekdays_only):
    assert working_days_after(world, "2026-09-18 16:00", 1) == at("2026-09-21 16:00")


def test_a_deadline_started_during_the_holiday_counts_from_its_end(world, calendar_2026):
    assert working_days_after(world, "2026-10-03 11:00", 1) == at("2026-10-08 11:00")


def test_the_spring_festival_block_of_nine_days_is_skipped(world, calendar_2026):
    # Friday 13 February: Saturday 14th is worked, then 15th-23rd are off.
    assert working_days_after(world, "2026-02-13 10:00", 1) == at("2026-02-14 10:00")
    assert working_days_after(world, "2026-02-13 10:00", 2) == at("2026-02-24 10:00")


def test_a_holiday_a_district_adds_itself_is_skipped(world):
    CalendarDay.objects.create(district=world.district, date=date(2026, 9, 14),
                               is_working_day=False, name="区里停电检修")
    assert working_days_after(world, "2026-09-11 16:00", 1) == at("2026-09-15 16:00")


def test_zero_working_days_is_the_start_itself(world):
    assert working_days_after(world, "2026-10-03 11:00", 0) == at("2026-10-03 11:00")


def test_the_time_of_day_is_kept_to_the_second(world, calendar_2026):
    assert working_days_after(world, "2026-09-30 08:59:59", 3) == at("2026-10-10 08:59:59")


# --- Shanghai time, stored in UTC ------------------------------------------------------------


def test_working_days_count_from_the_shanghai_date_not_the_utc_date(world, calendar_2026):
    # 00:30 on 1 October in Shanghai is still 30 September in UTC, a working day there.
    start = datetime(2026, 9, 30, 16, 30, tzinfo=UTC)
    deadline = policy.add_working_days(world.district, start, 1)
    assert deadline == at("2026-10-08 00:30")
    assert deadline.astimezone(UTC) == datetime(2026, 10, 7, 16, 30, tzinfo=UTC)


def test_a_deadline_computed_at_23_30_shanghai_time_is_stored_in_utc(world, time_machine,
                                                                    calendar_2026, new_matter):
    time_machine.move_to("2026-09-30 23:30+08:00", tick=False)
    matter = triage(new_matter(), by=world.by_role[Role.GRID_WORKER], kind=Kind.ESCALATE)
    assert matter.due_at == at("2026-10-20 23:30")  # 10 working days, at the compound
    with connection.cursor() as cursor:
        cursor.execute("SELECT due_at FROM matters_matter WHERE id = %s", [matter.pk])
        stored = cursor.fetchone()[0]
    assert str(stored)[:19] == "2026-10-20 15:30:00"
    assert Matter.objects.get(pk=matter.pk).due_at == datetime(2026, 10, 20, 15, 30, tzinfo=UTC)


def test_hour_deadlines_are_plain_elapsed_time(world, time_machine):
    time_machine.move_to("2026-09-30 23:30+08:00", tick=False)
    assert due(world, Stage.HEAR, emergency=True) == at("2026-10-01 00:30")
    assert due(world, Stage.HEAR, start=at("2026-09-30 23:30")) - at(
        "2026-09-30 23:30") == timedelta(hours=24)


def test_end_of_day_is_midnight_in_shanghai(world):
    assert policy.end_of_day(date(2026, 10, 8)) == at("2026-10-08 23:59:59")


# --- The monthly deliberation day --------------------------------------------------------------


def test_the_next_deliberation_day_is_the_10th(world, frozen):
    assert policy.next_deliberation_day(world.district) == date(2026, 10, 10)


def test_on_the_10th_itself_the_next_deliberation_day_is_next_month(world):
    assert policy.next_deliberation_day(world.district, after=date(2026, 10, 10)) == date(
        2026, 11, 10)
    assert policy.next_deliberation_day(world.district, after=date(2026, 10, 9)) == date(
        2026, 10, 10)


def test_after_the_10th_of_december_comes_january(world):
    assert policy.next_deliberation_day(world.district, after=date(2026, 12, 10)) == date(
        2027, 1, 10)
    assert policy.next_deliberation_day(world.district, after=date(2026, 12, 31)) == date(
        2027, 1, 10)


def test_the_deliberation_day_follows_the_shanghai_date(world):
    # 23:30 UTC on 9 October is 07:30 on the 10th in Shanghai: the meeting is today.
    after = datetime(2026, 10, 9, 23, 30, tzinfo=UTC)
    assert policy.next_deliberation_day(world.district, after=after) == date(2026, 11, 10)


def test_a_district_may_deliberate_on_the_15th(world, frozen):
    DistrictSettings.objects.create(district=world.district, deliberation_day=15)
    assert policy.next_deliberation_day(world.district) == date(2026, 10, 15)
    assert policy.next_deliberation_day(world.district, after=date(2026, 10, 15)) == date(
        2026, 11, 15)


def test_a_deliberation_day_past_the_end_of_a_month_falls_on_its_last_day(world):
    DistrictSettings.objects.create(district=world.district, deliberation_day=31)
    assert policy.next_deliberation_day(world.district, after=date(2026, 9, 1)) == date(
        2026, 9, 30)
    assert policy.next_deliberation_day(world.district, after=date(2026, 1, 31)) == date(
        2026, 2, 28)
    assert policy.next_deliberation_day(world.district, after=date(2026, 3, 5)) == date(
        2026, 3, 31)


def test_a_district_without_settings_gets_the_defaults(world):
    settings = policy.settings_for(world.district)
    assert settings.pk is None
    assert (settings.auto_escalate, settings.deliberation_day) == (False, 10)
