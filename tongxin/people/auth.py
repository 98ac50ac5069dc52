"""Sign-in by user name or phone number, with a lock after repeated failures.

The lock is on the account, whatever identifier was typed: failures under the user name
and under the phone number add up on the same person, and a locked person cannot sign
in with either. Names that belong to nobody are counted under the name typed, so an
unknown name fails exactly like a known one (no way to tell them apart).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.utils import timezone

from tongxin.people.models import Person, SignInLock
from tongxin.people.services import end_sign_ins


def find_account(identifier):
    """Return the person who signs in as ``identifier`` (user name first, then phone)."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    return (Person.objects.filter(username=identifier).first()
            or Person.objects.filter(phone=identifier).first())


def lock_key(identifier, person=None):
    """Return the SignInLock key: the account if there is one, else the name typed."""
    if person is not None:
        return f"person:{person.pk}"
    return f"name:{(identifier or '').strip()}"[:150]


def _is_locked(key):
    lock = SignInLock.objects.filter(username=key).first()
    return bool(lock and lock.locked_until and lock.locked_until > timezone.now())


def is_locked(identifier):
    """Return whether the account ``identifier`` names (or the name itself) is locked."""
    return _is_locked(lock_key(identifier, find_account(identifier)))


def is_person_locked(person):
    return _is_locked(lock_key("", person))


@transaction.atomic
def record_failure(key):
    """Count a failed sign-in under ``key``; return True if this failure locked it."""
    now = timezone.now()
    lock, _ = SignInLock.objects.select_for_update().get_or_create(username=key)
    window = timedelta(minutes=settings.TONGXIN_LOGIN_LOCKOUT_MINUTES)
    if lock.last_failure_at and now - lock.last_failure_at > window:
        lock.failures = 0
    lock.failures += 1
    lock.last_failure_at = now
    newly_locked = False
    if lock.failures >= settings.TONGXIN_LOGIN_MAX_FAILURES:
        newly_locked = not (lock.locked_until and lock.locked_until > now)
        lock.locked_until = now + window
    lock.save()
    return newly_locked


def clear_failures(key):
    SignInLock.objects.filter(username=key).delete()


class LockoutBackend(ModelBackend):
    """Authenticate by user name or phone; refuse locked accounts; count failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        username = (username or "").strip()
        if not username or password is None:
            return None
        person = find_account(username)
        key = lock_key(username, person)
        if _is_locked(key):
            if request is not None:
                request.tongxin_locked = True
            return None
        if person is None:
            Person().set_password(password)  # same work as a real check: no timing oracle
        elif person.check_password(password) and self.user_can_authenticate(person):
            clear_failures(key)
            return person
        if record_failure(key) and person is not None:
            end_sign_ins(person, reason="locked")  # a lockout ends live sessions and tokens
        if request is not None and _is_locked(key):
            request.tongxin_locked = True
        return None
