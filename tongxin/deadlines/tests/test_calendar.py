"""The national holiday arrangement, the district's own days on top, and the warning when a
year in use is not covered."""

import io
from datetime import date, datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tongxin.core.models import Event
from tongxin.deadlines import national, services
from tongxin.deadlines.models import CalendarDay
from tongxin.deadlines.policy import add_working_days, is_working_day
from tongxin.deadlines.selectors import calendar_gaps
from tongxin.kernel.errors import ServiceError
from tongxin.people.choices import Role
from tongxin.places.choices import PlaceKind
from tongxin.places.services import create_place

pytestmark = pytest.mark.django_db


def days_of_2026():
    day = date(2026, 1, 1)
    while day.year == 2026:
        yield day
        day = date.fromordinal(day.toordinal() + 1)


# --- the national arrangement ------------------------------------------------------------


def test_2026_has_the_seven_holidays_of_the_state_council_notice():
    """国务院办公厅关于2026年部分节假日安排的通知 (4 November 2025): weekdays off per festival."""
    off = {}
    for day in days_of_2026():
        if day.weekday() < 5 and national.working_day(day) is False:
            name = national.holiday_name(day)
            off[name] = off.get(name, 0) + 1
    assert set(off) == {"New Year's Day", "Spring Festival", "Tomb-sweeping Day", "Labour Day",
                        "Dragon Boat Festival", "Mid-autumn Festival", "National Day"}


def test_the_2026_make_up_working_days_are_the_weekend_days_of_the_notice():
    make_up = [day for day in days_of_2026() if day.weekday() >= 5 and national.working_day(day)]
    assert make_up == [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9),
                       date(2026, 9, 20), date(2026, 10, 10)]


def test_national_day_2026_runs_from_1_to_7_october():
    assert [national.working_day(date(2026, 10, d)) for d in range(1, 9)] == [False] * 7 + [True]


def test_a_year_the_package_does_not_carry_counts_monday_to_friday(monkeypatch):
    monkeypatch.setattr(national, "covered_years", lambda: frozenset({2026}))
    assert national.working_day(date(2027, 1, 1)) is None
    assert is_working_day(date(2027, 1, 1), {})  # a Friday, unknown as a holiday
    assert not is_working_day(date(2027, 1, 2), {})  # a Saturday


def test_deadlines_skip_the_national_holiday_without_any_calendar_loaded(world):
    """Before the package, a district with no loaded calendar counted 1 October as worked."""
    assert not CalendarDay.objects.exists()
    eve = timezone.make_aware(datetime(2026, 9, 30, 16, 0))
    assert timezone.localtime(add_working_days(world.district, eve, 1)) == timezone.make_aware(
        datetime(2026, 10, 8, 16, 0))


def test_the_district_s_own_days_win_over_the_national_arrangement(world):
    CalendarDay.objects.create(district=world.district, date=date(2026, 10, 8), is_working_day=False,
                               name="区庆")
    CalendarDay.objects.create(district=world.district, date=date(2026, 10, 7), is_working_day=True,
                               name="值班")
    eve = timezone.make_aware(datetime(2026, 9, 30, 16, 0))
    assert timezone.localtime(add_working_days(world.district, eve, 1)).date() == date(2026, 10, 7)
    assert timezone.localtime(add_working_days(world.district, eve, 2)).date() == date(2026, 10, 9)


# --- the warning -------------------------------------------------------------------------


@pytest.fixture
def only_2026(monkeypatch):
    """The package as it is when the 2027 arrangement is not published yet."""
    monkeypatch.setattr(national, "covered_years", lambda: frozenset({2026}))


def test_from_october_the_coming_year_must_be_covered(only_2026):
    assert national.uncovered_years(date(2026, 9, 30)) == []
    assert national.uncovered_years(date(2026, 10, 1)) == [2027]
    assert national.uncovered_years(date(2027, 3, 1)) == [2027]


def test_the_district_office_and_its_system_administrator_are_warned(world, only_2026):
    today = date(2026, 12, 6)
    for role in (Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN):
        assert calendar_gaps(world.by_role[role], today) == [(world.district, 2027)]
    for role in (Role.GRID_WORKER, Role.STREET_OFFICER, Role.COMMUNITY_SECRETARY,
                 Role.DEPARTMENT_STAFF, Role.RESIDENT):
        assert calendar_gaps(world.by_role[role], today) == []


def test_holidays_the_district_entered_for_the_year_cover_it(world, only_2026):
    CalendarDay.objects.create(district=world.district, date=date(2027, 1, 1), is_working_day=False,
                               name="元旦")
    assert calendar_gaps(world.by_role[Role.DISTRICT_OFFICER], date(2026, 12, 6)) == []


def test_the_home_page_shows_the_warning_to_the_district_office(client, world, only_2026,
                                                                  time_machine):
    time_machine.move_to("2026-12-06 10:00+08:00", tick=False)
    client.force_login(world.by_role[Role.DISTRICT_OFFICER])
    page = client.get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'data-calendar-gap="{world.district.code}-2027"' in page
    client.force_login(world.by_role[Role.GRID_WORKER])
    assert "data-calendar-gap" not in client.get(reverse("core:home")).content.decode()


# --- the district's own days, from a file --------------------------------------------------


def write(tmp_path, text):
    path = tmp_path / "local.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_district_s_own_file_is_loaded_once(world, tmp_path):
    path = write(tmp_path, "# our own days\ndate,is_working_day,name\n2027-01-01,0,元旦\n"
                 "2026-11-02,0,区庆\n")
    out = io.StringIO()
    call_command("load_holidays", file=str(path), stdout=out)
    assert "2 days created, 0 changed, 0 already right" in out.getvalue()
    out = io.StringIO()
    call_command("load_holidays", file=str(path), stdout=out)
    assert "0 days created, 0 changed, 2 already right" in out.getvalue()
    assert Event.objects.filter(action="deadlines.calendar_loaded").count() == 1


def test_loading_corrects_a_changed_day_and_keeps_the_others(world, tmp_path):
    own = CalendarDay.objects.create(district=world.district, date=date(2026, 11, 3),
                                     is_working_day=False, name="别的")
    CalendarDay.objects.create(district=world.district, date=date(2026, 11, 2),
                               is_working_day=True, name="区庆")
    counts = services.load_calendar(world.district, services.read_calendar(
        write(tmp_path, "date,is_working_day,name\n2026-11-02,0,区庆\n")))
    assert counts == {"created": 0, "updated": 1, "unchanged": 0}
    assert not CalendarDay.objects.get(date=date(2026, 11, 2)).is_working_day
    assert CalendarDay.objects.filter(pk=own.pk).exists()


def test_with_two_districts_the_command_asks_which(world, tmp_path):
    path = write(tmp_path, "date,is_working_day,name\n2027-01-01,0,元旦\n")
    create_place(kind=PlaceKind.DISTRICT, name="别区", code="990102")
    with pytest.raises(CommandError, match="--district"):
        call_command("load_holidays", file=str(path), stdout=io.StringIO())
    call_command("load_holidays", file=str(path), district="990102", stdout=io.StringIO())
    assert not CalendarDay.objects.filter(district=world.district).exists()
    assert CalendarDay.objects.filter(district__code="990102").count() == 1


def test_a_missing_file_is_a_clear_error(world, tmp_path):
    with pytest.raises(CommandError, match="nothing.csv"):
        call_command("load_holidays", file=str(tmp_path / "nothing.csv"), stdout=io.StringIO())


def test_an_unreadable_line_is_refused_with_its_number(tmp_path):
    path = write(tmp_path, "date,is_working_day,name\n2027-01-01,0,元旦\n2027-02-30,0,错\n")
    with pytest.raises(ServiceError) as refused:
        services.read_calendar(path)
    assert refused.value.code == "bad_calendar_row" and "3" in refused.value.message


def test_only_a_district_has_a_calendar(world, tmp_path):
    rows = services.read_calendar(write(tmp_path, "date,is_working_day,name\n2027-01-01,0,元旦\n"))
    with pytest.raises(ServiceError) as refused:
        services.load_calendar(world.street_a, rows)
    assert refused.value.code == "not_a_district"
