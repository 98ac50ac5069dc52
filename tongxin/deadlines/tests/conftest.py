"""Fixtures for deadline tests: the shared world, a small category tree, the 2026 calendar."""

import pytest

from tongxin.deadlines import services
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
    """Load China's 2026 holidays and make-up working days into the world's district."""
    services.load_calendar(world.district, services.read_calendar(services.bundled_calendar(2026)))
    return world.district


@pytest.fixture
def frozen(time_machine):
    """Stop the clock on the eve of National Day 2026, 16:00 in Shanghai."""
    time_machine.move_to(EVE_OF_NATIONAL_DAY, tick=False)
    return time_machine
