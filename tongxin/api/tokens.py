"""Issue, check and revoke the REST API's sign-in tokens (``Authorization: Token <key>``).

A token is handed out by POST /api/v1/auth/token/ and shown once; only the SHA-256 of
its key is stored. It is refused (401) once any of these holds:

- it was revoked: by its owner (DELETE /api/v1/auth/token/), by an administrator (the
  admin's action or ``tongxin revoke-api-tokens``), or by signing out on the pages;
- it lay unused for ``TONGXIN_API_TOKEN_IDLE_DAYS`` (default 30) days, or was issued
  more than ``TONGXIN_API_TOKEN_MAX_DAYS`` (default 90) days ago;
- its person's password changed, their account was locked after failed sign-ins or all
  their sign-ins were ended (people.services.end_sign_ins): the token carries the
  person's session hash at issue, as a session does, and no longer matches;
- the person was deactivated.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from tongxin.api.models import AccessToken
from tongxin.core.models import record_event

# last_used_at is written at most once a minute per token: a request is not a write.
TOUCH_EVERY = timedelta(minutes=1)


def _digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


def idle_limit():
    return timedelta(days=settings.TONGXIN_API_TOKEN_IDLE_DAYS)


def max_age():
    return timedelta(days=settings.TONGXIN_API_TOKEN_MAX_DAYS)


@transaction.atomic
def issue_token(person):
    """Create a new token for ``person``; return (AccessToken, the key to hand over once).

    Every sign-in gets a new key. Tokens of the person past their absolute limit are
    deleted on the way.
    """
    now = timezone.now()
    AccessToken.objects.filter(person=person, expires_at__lt=now).delete()
    key = secrets.token_hex(20)
    token = AccessToken.objects.create(
        person=person, key_hash=_digest(key), prefix=key[:8],
        auth_hash=person.get_session_auth_hash(), created_at=now, last_used_at=now,
        expires_at=now + max_age(),
    )
    return token, key


def _matches_person(token, person):
    hashes = [person.get_session_auth_hash(), *person.get_session_auth_fallback_hash()]
    return any(constant_time_compare(token.auth_hash, value) for value in hashes)


def is_live(token, now=None):
    """Return whether ``token`` still signs in (see the module's docstring)."""
    now = now or timezone.now()
    person = token.person
    return (token.revoked_at is None and token.expires_at > now
            and token.last_used_at + idle_limit() > now
            and person.is_active and _matches_person(token, person))


def check_token(key):
    """Return the live AccessToken for ``key``, or None; note its use."""
    token = (AccessToken.objects.select_related("person")
             .filter(key_hash=_digest(key or "")).first())
    now = timezone.now()
    if token is None or not is_live(token, now):
        return None
    if now - token.last_used_at > TOUCH_EVERY:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def revoke_token(token, *, by=None, reason="owner"):
    """Revoke one token (its owner signing out of the app, or an administrator)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event("api_token.revoked", token.person, actor=by, token=token.prefix,
                     reason=reason)
    return token


@transaction.atomic
def revoke_tokens(person, *, by=None, reason="administrator"):
    """Revoke every live token of ``person``; return how many were revoked."""
    now = timezone.now()
    count = AccessToken.objects.filter(person=person, revoked_at__isnull=True).update(
        revoked_at=now)
    if count:
        record_event("api_tokens.revoked", person, actor=by, count=count, reason=reason)
    return count
