"""Fixtures for the matter loop: the shared world plus its category tree and departments."""

import pytest

from tongxin.matters.categories import seed_categories
from tongxin.matters.models import Category
from tongxin.matters.services import raise_matter


@pytest.fixture
def categories(world):
    seed_categories(world.district)
    return {c.name: c for c in Category.objects.filter(district=world.district)}


@pytest.fixture
def parking(categories):
    return categories["乱停乱放"]


@pytest.fixture
def new_matter(world, parking):
    """Return a function raising a matter as the world's resident (in building b1, grid g1)."""

    def make(title="小区东门电动车乱停放", description="东门口每天晚上堆满电动车，消防通道被堵住了。",
             by=None, **fields):
        return raise_matter(by=by or world.resident, title=title, description=description,
                            category=fields.pop("category", parking), **fields)

    return make
