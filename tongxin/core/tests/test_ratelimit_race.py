"""A rate-limit counter that another worker creates at the same moment is counted on, not
taken for a full one (found by bench/crash.py: a double-tapped raise got a 429)."""

import pytest
from django.db.models.query import QuerySet
from django.test import override_settings

from tongxin.core import ratelimit
from tongxin.core.models import RateCounter

pytestmark = pytest.mark.django_db


def test_a_counter_created_meanwhile_by_another_worker_is_counted_on(monkeypatch):
    real_update = QuerySet.update
    raced = []

    def update(queryset, **kwargs):
        if queryset.model is RateCounter and not raced:
            # The other request's first hit creates the window's row and commits just
            # after this request's increment found no row.
            raced.append(True)
            RateCounter.objects.create(key="x:a", window=960, count=1)
            return 0
        return real_update(queryset, **kwargs)

    monkeypatch.setattr(QuerySet, "update", update)
    with override_settings(TONGXIN_RATE_LIMITS={"x": (3, 60)}):
        ratelimit.hit("x", "a", now=1000.0)
    assert raced
    assert RateCounter.objects.get(key="x:a", window=960).count == 2


def test_a_full_counter_still_refuses_without_counting():
    RateCounter.objects.create(key="x:a", window=960, count=3)
    with override_settings(TONGXIN_RATE_LIMITS={"x": (3, 60)}):
        with pytest.raises(ratelimit.Limited):
            ratelimit.hit("x", "a", now=1000.0)
    assert RateCounter.objects.get(key="x:a", window=960).count == 3
