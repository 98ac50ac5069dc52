"""China's national holiday arrangement: public holidays and make-up working days (调休).

The State Council publishes the next year's arrangement each autumn; the maintained
``chinesecalendar`` package (pinned in requirements.lock) carries it, so a new year
comes with a package update rather than a file someone must remember to load. A
district's own days (``CalendarDay``) are laid on top by ``policy.is_working_day``.

For a year the package does not cover, ``working_day`` answers None and deadlines
count Monday to Friday; ``uncovered_years`` tells the district office in time.
"""

from datetime import date
from functools import cache

import chinese_calendar
from chinese_calendar import constants

# The arrangement for the coming year is usually published in late October or early
# November: from this month on, a coming year that is not covered is warned about.
WARN_FROM_MONTH = 10


@cache
def covered_years():
    """Return the years whose arrangement the installed package carries."""
    return frozenset(day.year for day in (*constants.holidays, *constants.workdays))


def working_day(day):
    """Return whether ``day`` is worked under the national arrangement, or None if unknown."""
    if day.year not in covered_years():
        return None
    return chinese_calendar.is_workday(day)


def holiday_name(day):
    """Return the festival a day off or a make-up working day belongs to ("" if none)."""
    if day.year not in covered_years():
        return ""
    _on_holiday, name = chinese_calendar.get_holiday_detail(day)
    return name or ""


def years_to_cover(today):
    """Return the years deadlines must be counted in now: this one, and from autumn the next."""
    years = [today.year]
    if today.month >= WARN_FROM_MONTH:
        years.append(today.year + 1)
    return years


def uncovered_years(today=None):
    """Return the years of ``years_to_cover`` that the package does not carry."""
    today = today or date.today()
    return [year for year in years_to_cover(today) if year not in covered_years()]
