"""Fixtures for the roster tests: a district that starts empty, and people with roles.

The shared ``world`` (tongxin/conftest.py) lives for a whole test module; the roster
tests need to know everything that is in the database, so they build their own.
"""

from itertools import count

import pytest

from tongxin.people.services import assign_role, create_person
from tongxin.places.choices import PlaceKind
from tongxin.places.services import create_place

BELOW_DISTRICT = [PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.GRID,
                  PlaceKind.BUILDING, PlaceKind.HOUSEHOLD]


@pytest.fixture
def district(db):
    """Return an empty district, the only place there is."""
    return create_place(kind=PlaceKind.DISTRICT, name="西湖区", code="330106")


@pytest.fixture
def make_places(district):
    """Return a function that finds or creates places by name: street, community … household."""

    def make(*names):
        place = district
        for kind, name in zip(BELOW_DISTRICT, names):
            place = place.children.filter(name=name).first() or create_place(
                kind=kind, name=name, parent=place
            )
        return place

    return make


@pytest.fixture
def make_staff(db):
    """Return a function that creates a person holding ``role`` at ``place``."""
    phones = (f"1360000{n:04d}" for n in count(1))

    def make(role, place, name=None):
        person = create_person(full_name=name or str(role.label), phone=next(phones))
        assign_role(person, role=role, place=place)
        return person

    return make
