"""The inbox's cards: the same facts on each card, with the work that is the same for every
card (labels, the detail link's pattern, the badges' words) done once per page, not once
per card (issue 12: get_*_display x119, reverse x100 for 50 cards)."""

import contextlib
from unittest import mock

import django.urls
import pytest
from django.urls import reverse
from django.utils import translation

from tongxin.matters import services
from tongxin.matters.models import Matter
from tongxin.matters.tests.test_selectors import raise_many
from tongxin.people.choices import Role

pytestmark = pytest.mark.django_db


def work_of(call):
    """Return (reverse calls of {% url %}, get_*_display calls of matters) during ``call``."""
    counted = {"reverse": 0, "display": 0}
    real_reverse = django.urls.reverse

    def counting_reverse(*args, **kwargs):
        counted["reverse"] += 1
        return real_reverse(*args, **kwargs)

    def counting(field):
        def display(self):
            counted["display"] += 1
            return self._get_FIELD_display(Matter._meta.get_field(field))
        return display

    with contextlib.ExitStack() as patches:
        patches.enter_context(mock.patch.object(django.urls, "reverse", counting_reverse))
        for field in ("status", "kind", "owner_level"):
            patches.enter_context(
                mock.patch.object(Matter, f"get_{field}_display", counting(field)))
        call()
    return counted


def test_the_inbox_does_the_same_work_for_3_and_12_cards(client, world, new_matter):
    raise_many(new_matter, 3)
    client.force_login(world.by_role[Role.GRID_WORKER])
    inbox = reverse("matters:inbox")

    few = work_of(lambda: client.get(inbox))
    raise_many(new_matter, 9, start=3)
    many = work_of(lambda: client.get(inbox))

    assert many == few


def test_a_card_shows_the_matters_facts_and_links_to_its_page(client, world, new_matter):
    grid_worker = world.by_role[Role.GRID_WORKER]
    new, heard = raise_many(new_matter, 2)
    services.triage(heard, by=grid_worker, kind="pending")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(grid_worker)

    html = client.get(reverse("matters:inbox")).content.decode()

    for matter in (new, heard):
        matter.refresh_from_db()
        card = html.split(f'data-matter="{matter.pk}"', 1)[1].split("</li>", 1)[0]
        assert f'href="{reverse("matters:detail", args=[matter.pk])}"' in card
        assert matter.title in card and matter.number in card
        assert "乱停乱放" in card and world.b1.name in card and world.g1.name in card
        with translation.override("en"):
            shown = [matter.get_status_display(), matter.get_owner_level_display()]
            if matter.kind:
                shown.append(matter.get_kind_display())
        for words in shown:
            assert words in card
        assert ("data-new" in card) == (matter is new)
