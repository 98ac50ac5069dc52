"""Fixtures of the API tests: clients signed in with a token or an API key, and a second
district to be out of jurisdiction."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tongxin.api.keys import issue_key
from tongxin.api.tokens import issue_token
from tongxin.people.choices import Role
from tongxin.people.services import assign_role, create_person
from tongxin.places.choices import PlaceKind as K
from tongxin.places.services import create_place


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counts live in the cache: start every test with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    """Return a function giving an API client signed in as ``person`` with a token
    (or with ``key``, an API key's text; or anonymous)."""

    def make(person=None, *, key=None, language=None):
        client = APIClient()
        headers = {}
        if person is not None:
            headers["HTTP_AUTHORIZATION"] = f"Token {issue_token(person)[1]}"
        if key is not None:
            headers["HTTP_X_API_KEY"] = key
        if language is not None:
            headers["HTTP_ACCEPT_LANGUAGE"] = language
        client.credentials(**headers)
        return client

    return make


@pytest.fixture
def other_district(world, categories):
    """Return a second district (别区, 990102) with a compound, categories, an officer and
    an API key acting as that officer."""
    from tongxin.matters.categories import seed_categories
    from tongxin.matters.models import Category

    d = SimpleNamespace()
    d.district = create_place(kind=K.DISTRICT, name="别区", code="990102")
    d.street = create_place(kind=K.STREET, name="别街道", parent=d.district)
    d.community = create_place(kind=K.COMMUNITY, name="别社区", parent=d.street)
    d.compound = create_place(kind=K.COMPOUND, name="别小区", parent=d.community)
    d.grid = create_place(kind=K.GRID, name="第1网格", parent=d.compound)
    d.building = create_place(kind=K.BUILDING, name="1号楼", parent=d.grid)
    seed_categories(d.district)
    d.categories = {c.name: c for c in Category.objects.filter(district=d.district)}
    d.officer = create_person(full_name="别区干部", phone="13800990102", username="other_officer",
                              password="a-long-test-password")
    assign_role(d.officer, role=Role.DISTRICT_OFFICER, place=d.district)
    d.key, d.key_text = issue_key(name="12345 热线（别区）", account=d.officer, district=d.district)
    return d
