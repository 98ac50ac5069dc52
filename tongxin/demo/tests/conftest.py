"""The demo district, built once per test module and rolled back at its end."""

import pytest

from tongxin.conftest import built_once
from tongxin.demo.builder import build_demo_district


@pytest.fixture(scope="module")
def _module_demo(django_db_setup, django_db_blocker):
    with built_once(django_db_blocker, build_demo_district) as summary:
        yield summary


@pytest.fixture
def demo(_module_demo, db):
    """Return the summary of the first build of the demo district."""
    return _module_demo
