"""Filing a matter for an Open311 client: the only write this app makes."""

from django.db import transaction

from tongxin.matters.choices import Channel
from tongxin.matters.services import raise_matter
from tongxin.open311.models import Open311Request


@transaction.atomic
def file_request(*, key, category, place, title, description, latitude=None, longitude=None,
                 address="", contact_name="", contact_phone="", account_id="", media_url="",
                 idempotency_key=None):
    """Raise a matter as the key's account and keep what Matter has no field for.

    The matter is raised through matters.services.raise_matter (same checks, event and
    notices as any other); where it is exactly goes on it in the same transaction. A
    retried request with the same idempotency key returns the first filing unchanged.
    """
    if idempotency_key:
        # raise_matter deduplicates per account; keys sharing an account must not collide.
        idempotency_key = f"o311:{key.prefix}:{idempotency_key}"
    matter = raise_matter(
        by=key.account, title=title, description=description, category=category, place=place,
        channel=Channel.ONLINE, contact_name=contact_name, contact_phone=contact_phone,
        idempotency_key=idempotency_key,
    )
    existing = Open311Request.objects.filter(matter=matter).select_related("matter").first()
    if existing is not None:
        return existing
    matter.latitude, matter.longitude, matter.address = latitude, longitude, address
    matter.save(update_fields=["latitude", "longitude", "address"])
    return Open311Request.objects.create(matter=matter, api_key=key, account_id=account_id,
                                         media_url=media_url)
