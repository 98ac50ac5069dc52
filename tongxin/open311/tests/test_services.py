"""file_request: a matter raised through the matter services, with where it is exactly."""

from decimal import Decimal

import pytest

from tongxin.kernel.errors import ServiceError
from tongxin.matters.choices import Channel, Status
from tongxin.matters.models import Matter
from tongxin.open311.models import Open311Request
from tongxin.open311.services import file_request

pytestmark = pytest.mark.django_db


def fields(world, parking, **changes):
    return {"category": parking, "place": world.compound_a1a, "title": "东门乱停车",
            "description": "东门乱停车", "latitude": Decimal("31.230416"),
            "longitude": Decimal("121.473701"), "address": "东门", **changes}


def test_a_filed_request_is_a_new_matter_with_its_location_and_media(world, keys, parking):
    filed = file_request(key=keys.key, media_url="https://example.org/a.jpg", account_id="u1",
                         **fields(world, parking))

    matter = Matter.objects.get()
    assert filed.matter == matter and filed.api_key == keys.key
    assert (matter.status, matter.channel, matter.created_by) == (
        Status.NEW, Channel.ONLINE, keys.account)
    assert (matter.latitude, matter.longitude, matter.address) == (
        Decimal("31.230416"), Decimal("121.473701"), "东门")
    assert list(matter.events.values_list("action", flat=True)) == ["raised"]
    assert (filed.media_url, filed.account_id) == ("https://example.org/a.jpg", "u1")


def test_a_retry_returns_the_first_filing_unchanged(world, keys, parking):
    first = file_request(key=keys.key, idempotency_key="r1", **fields(world, parking))
    again = file_request(key=keys.key, idempotency_key="r1",
                         **fields(world, parking, address="别处"))

    assert again.pk == first.pk
    assert Matter.objects.get().address == "东门"
    assert Open311Request.objects.count() == 1


def test_a_refused_filing_leaves_nothing_behind(world, keys, parking):
    with pytest.raises(ServiceError):
        file_request(key=keys.key, **fields(world, parking, place=world.street_a))

    assert not Matter.objects.exists() and not Open311Request.objects.exists()
