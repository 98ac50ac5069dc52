"""The bundled 2026 calendar and the load_holidays command that loads it."""

import io
from collections import Counter
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from tongxin.core.models import Event
from tongxin.deadlines import services
from tongxin.deadlines.models import CalendarDay
from tongxin.kernel.errors import ServiceError
from tongxin.places.choices import PlaceKind
from tongxin.places.services import create_place

pytestmark = pytest.mark.django_db


def rows_2026():
    return services.read_calendar(services.bundled_calendar(2026))


def test_the_2026_file_has_the_seven_holidays_of_the_state_council_notice():
    holidays = Counter(row.name for row in rows_2026() if not row.is_working_day)
    assert holidays == {"元旦": 3, "春节": 9, "清明节": 3, "劳动节": 5, "端午节": 3,
                        "中秋节": 3, "国庆节": 7}


def test_the_2026_make_up_working_days_are_all_weekend_days():
    make_up = [row.date for row in rows_2026() if row.is_working_day]
    assert make_up == [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9),
                       date(2026, 9, 20), date(2026, 10, 10)]
    assert all(day.weekday() >= 5 for day in make_up)


def test_the_national_day_holiday_runs_from_1_to_7_october():
    national_day = [row.date for row in rows_2026() if row.name == "国庆节"]
    assert national_day == [date(2026, 10, day) for day in range(1, 8)]


def test_load_holidays_loads_the_year_into_the_only_district(world):
    out = io.StringIO()
    call_command("load_holidays", year=2026, stdout=out)
    assert "39 days created, 0 changed, 0 already right" in out.getvalue()
    day = CalendarDay.objects.get(district=world.district, date=date(2026, 10, 10))
    assert day.is_working_day and day.name == "国庆节调休上班"
    assert Event.objects.filter(action="deadlines.calendar_loaded").count() == 1


def test_loading_twice_changes_nothing(world):
    call_command("load_holidays", year=2026, stdout=io.StringIO())
    out = io.StringIO()
    call_command("load_holidays", year=2026, stdout=out)
    assert "0 days created, 0 changed, 39 already right" in out.getvalue()
    assert CalendarDay.objects.count() == 39
    assert Event.objects.filter(action="deadlines.calendar_loaded").count() == 1


def test_loading_corrects_a_changed_day_and_keeps_the_district_s_own_days(world):
    services.load_calendar(world.district, rows_2026())
    CalendarDay.objects.filter(date=date(2026, 10, 10)).update(is_working_day=False)
    own = CalendarDay.objects.create(district=world.district, date=date(2026, 11, 2),
                                     is_working_day=False, name="区庆")
    counts = services.load_calendar(world.district, rows_2026())
    assert counts == {"created": 0, "updated": 1, "unchanged": 38}
    assert CalendarDay.objects.get(date=date(2026, 10, 10)).is_working_day
    assert CalendarDay.objects.filter(pk=own.pk).exists()


def test_with_two_districts_the_command_asks_which(world):
    create_place(kind=PlaceKind.DISTRICT, name="别区", code="990102")
    with pytest.raises(CommandError, match="--district"):
        call_command("load_holidays", year=2026, stdout=io.StringIO())
    call_command("load_holidays", year=2026, district="990102", stdout=io.StringIO())
    assert not CalendarDay.objects.filter(district=world.district).exists()
    assert CalendarDay.objects.filter(district__code="990102").count() == 39


def test_a_year_without_a_bundled_file_is_refused(world):
    with pytest.raises(CommandError, match="2031"):
        call_command("load_holidays", year=2031, stdout=io.StringIO())


def test_a_district_s_own_file_can_be_loaded(world, tmp_path):
    path = tmp_path / "local.csv"
    path.write_text("# our own days\ndate,is_working_day,name\n2027-01-01,0,元旦\n",
                    encoding="utf-8")
    call_command("load_holidays", file=str(path), stdout=io.StringIO())
    assert CalendarDay.objects.get().date == date(2027, 1, 1)


def test_an_unreadable_line_is_refused_with_its_number(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("date,is_working_day,name\n2027-01-01,0,元旦\n2027-02-30,0,错\n",
                    encoding="utf-8")
    with pytest.raises(ServiceError) as refused:
        services.read_calendar(path)
    assert refused.value.code == "bad_calendar_row" and "3" in refused.value.message


def test_only_a_district_has_a_calendar(world):
    with pytest.raises(ServiceError) as refused:
        services.load_calendar(world.street_a, rows_2026())
    assert refused.value.code == "not_a_district"
