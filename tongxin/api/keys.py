"""Issue and check API keys. A key reads ``<prefix>.<secret>``; only its SHA-256 is kept."""

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.api.models import ApiKey
from tongxin.core.models import record_event
from tongxin.kernel.errors import ServiceError
from tongxin.places.choices import PlaceKind


def _digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def issue_key(*, name, account, district, organisation=None, default_place=None, by=None):
    """Create a key and return (ApiKey, the key text to hand over once)."""
    if district.kind != PlaceKind.DISTRICT:
        raise ServiceError("not_a_district", _("A key's jurisdiction is a district."))
    if default_place is not None and not default_place.is_within(district):
        raise ServiceError("place_elsewhere", _("The default place lies outside the district."))
    prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        name=name, account=account, organisation=organisation, district=district,
        default_place=default_place, prefix=prefix, key_hash=_digest(secret),
    )
    record_event("api_key.issued", key, actor=by, place=district, name=name)
    return key, f"{prefix}.{secret}"


def check_key(text):
    """Return the live ApiKey for ``text``, or None (unknown, malformed or revoked)."""
    prefix, _dot, secret = (text or "").strip().partition(".")
    # A prefix is a few hex digits: anything else (a NUL byte, a long string) is not looked up.
    if not secret or not (0 < len(prefix) <= 12 and prefix.isascii() and prefix.isalnum()):
        return None
    key = ApiKey.objects.select_related("account", "district").filter(
        prefix=prefix, revoked_at__isnull=True).first()
    if key is None or not hmac.compare_digest(key.key_hash, _digest(secret)):
        return None
    if not key.account.is_active:
        return None
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


@transaction.atomic
def revoke_key(key, *, by=None):
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    record_event("api_key.revoked", key, actor=by, place=key.district)
    return key
