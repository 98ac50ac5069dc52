"""Sign-in by user name or phone number, with a lock after repeated failures."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tongxin.people.models import Person, SignInLock


def is_locked(username):
    lock = SignInLock.objects.filter(username=(username or "").strip()).first()
    return bool(lock and lock.locked_until and lock.locked_until > timezone.now())


@transaction.atomic
def record_failure(username):
    """Count a failed sign-in; lock the name once the limit is reached."""
    now = timezone.now()
    lock, _ = SignInLock.objects.select_for_update().get_or_create(username=username)
    window = timedelta(minutes=settings.TONGXIN_LOGIN_LOCKOUT_MINUTES)
    if lock.last_failure_at and now - lock.last_failure_at > window:
        lock.failures = 0
    lock.failures += 1
    lock.last_failure_at = now
    if lock.failures >= settings.TONGXIN_LOGIN_MAX_FAILURES:
        lock.locked_until = now + window
    lock.save()


def clear_failures(username):
    SignInLock.objects.filter(username=username).delete()


class LockoutBackend(ModelBackend):
    """Authenticate by user name or phone; refuse locked names; count failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        username = (username or "").strip()
        if not username or password is None:
            return None
        if is_locked(username):
            if request is not None:
                request.tongxin_locked = True
            return None
        person = Person.objects.filter(Q(username=username) | Q(phone=username)).first()
        if person is None:
            Person().set_password(password)  # same work as a real check: no timing oracle
        elif person.check_password(password) and self.user_can_authenticate(person):
            clear_failures(username)
            return person
        record_failure(username)
        if request is not None and is_locked(username):
            request.tongxin_locked = True
        return None
