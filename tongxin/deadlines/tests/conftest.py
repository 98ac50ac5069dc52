"""Fixtures for deadline tests: the shared world, a small category tree, the 2026 calendar."""

import pytest

from tongxin.deadlines import national
from tongxin.deadlines.models import CalendarDay
from tongxin.matters.models import Category

# The first scan tests start on the eve of China's 2026 National Day holiday (Oct 1-7).
EVE_OF_NATIONAL_DAY = "2026-09-30 16:00+08:00"


@pytest.fixture
def categories(world):
    """Return a small tree (instead of the full one, for speed).

    社区治理 › 停车管理 › 乱停乱放 / 僵尸车, and 邻里关系 › 噪音扰民.
    """
    district = world.district
    top = Category.objects.create(district=district, name="社区治理")
    parking = Category.objects.create(district=district, parent=top, name="停车管理", depth=1)
    neighbours = Category.objects.create(district=district, parent=top, name="邻里关系", depth=1)
    made = {"社区治理": top, "停车管理": parking, "邻里关系": neighbours}
    for parent, name in ((parking, "乱停乱放"), (parking, "僵尸车"), (neighbours, "噪音扰民")):
        made[name] = Category.objects.create(district=district, parent=parent, name=name, depth=2)
    return made


@pytest.fixture
def calendar_2026(world):
    """Return the world's district, with no calendar day of its own.

    China's 2026 holidays and make-up working days come from the national arrangement
    (deadlines.national), so tests that use this fixture prove it is applied.
    """
    assert not CalendarDay.objects.filter(district=world.district).exists()
    return world.district


@pytest.fixture
def frozen(time_machine):
    """Stop the clock on the eve of National Day 2026, 16:00 in Shanghai."""
    time_machine.move_to(EVE_OF_NATIONAL_DAY, tick=False)
    return time_machine


@pytest.fixture
def weekdays_only(monkeypatch):
    """Count Monday to Friday only, as for a year the national arrangement does not cover."""
    monkeypatch.setattr(national, "covered_years", frozenset)
