"""The demo district, built once per test module and rolled back at its end."""

import pytest
from django.db import transaction

from tongxin.demo.builder import build_demo_district


@pytest.fixture(scope="module")
def _module_demo(django_db_setup, django_db_blocker):
    """Build the demo district once per module, in a transaction rolled back at its end.

    Each test still runs in its own savepoint (the ``db`` fixture), so what one test
    writes is gone before the next.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_demo_district()
        transaction.set_rollback(True)


@pytest.fixture
def demo(_module_demo, db):
    """Return the summary of the first build of the demo district."""
    return _module_demo
