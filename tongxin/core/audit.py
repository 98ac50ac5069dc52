"""The audit log: sign-ins, exports and reads of sensitive details, kept as core Events.

State changes are already events (every service writes one). This module adds what
changes nothing but must still be traceable (issue 6, PIPL art. 51-55): who signed in
(or failed to), who downloaded an export, who opened someone's unmasked contact
details (and, when mediation lands, a dispute's details, through ``record_read``).
Each entry carries the place it concerns, so the audit page is scoped by the same
place ranges as everything else.

A read is noted on every page that shows a phone whole (a matter's page, a household),
so it is not written on the request's path: during a request the entries wait in a list
of that request and are written together, in one transaction, when the response has
been sent (``request_finished``; also after an error page). Outside a request (a
command, a test calling the function) an entry is written at once.

Core only records. The people app records sign-ins (people.audit, on Django's auth
signals); the portal decides who may read the log and which entries they see.
"""

import logging
from contextvars import ContextVar

from django.core.signals import request_finished, request_started
from django.db import connection, transaction

from tongxin.core.models import Event, record_event
from tongxin.core.ratelimit import client_ip
from tongxin.kernel import registry

SIGN_IN = "audit.sign_in"
SIGN_IN_FAILED = "audit.sign_in_failed"
SIGN_OUT = "audit.sign_out"
EXPORT = "audit.export"
READ = "audit.read"
# The site-wide superuser (people.services.grant_superuser) and what it does in the admin.
SUPERUSER_GRANTED = "audit.superuser_granted"
SUPERUSER_REVOKED = "audit.superuser_revoked"
ADMIN_CHANGE = "audit.admin_change"
ACTIONS = (SIGN_IN, SIGN_IN_FAILED, SIGN_OUT, EXPORT, READ, SUPERUSER_GRANTED, SUPERUSER_REVOKED,
           ADMIN_CHANGE)


class PlaceOf:
    """The place an entry is filed under, given by its code alone."""

    def __init__(self, code):
        self.code = code


def home_code(person):
    """Return the code of the place an entry about ``person`` is filed under.

    The people app declares it (its home, else a role's place) as the place of the
    ``people.person`` subject in the kernel registry; "" for nobody.
    """
    if person is None:
        return ""
    return registry.subject_place_code(person)


def where(request):
    """Return the client's address and browser, as every entry made during a request keeps."""
    if request is None:
        return {}
    return {"ip": client_ip(request),
            "agent": request.META.get("HTTP_USER_AGENT", "")[:200]}


def record(action, subject, *, request=None, actor=None, place=None, **data):
    """Append an audit entry ``action`` about ``subject`` in its own transaction."""
    with transaction.atomic():
        return record_event(action, subject, actor=actor, place=place, **data, **where(request))


def record_read(request, subject, *, what, place=None, **data):
    """Note that ``request.user`` read ``what`` of ``subject`` (e.g. an unmasked phone):
    after the response if a request is being answered, else at once."""
    waiting = _waiting.get()
    if waiting is None:
        return record(READ, subject, request=request, actor=request.user, place=place,
                      what=what, **data)
    waiting.append((READ, subject, request.user, place, dict(data, what=what, **where(request))))
    return None


# The reads noted while answering the current request (None outside a request).
_waiting = ContextVar("audit_waiting", default=None)
logger = logging.getLogger(__name__)


def _start_waiting(**kwargs):
    _waiting.set([])


def write_waiting(**kwargs):
    """Write the reads noted during the request just answered, in one transaction."""
    waiting = _waiting.get()
    _waiting.set(None)
    if not waiting:
        return
    try:
        with transaction.atomic():
            for action, subject, actor, place, data in waiting:
                record_event(action, subject, actor=actor, place=place, **data)
    except Exception:  # the response is gone: nobody to tell but the log
        logger.exception("audit: %d read entries could not be written", len(waiting))
    # Django closed an expiring connection before this ran (close_old_connections comes
    # first): close the one just used likewise, as the end of a request does.
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


request_started.connect(_start_waiting, dispatch_uid="tongxin.core.audit.start_waiting")
request_finished.connect(write_waiting, dispatch_uid="tongxin.core.audit.write_waiting")


def record_export(request, subject, *, what, place=None, **data):
    """Note that ``request.user`` downloaded export ``what`` (rows, format … in data)."""
    return record(EXPORT, subject, request=request, actor=request.user, place=place, what=what,
                  **data)


def entries():
    """Return every audit entry (the portal narrows them to what a reader may see)."""
    return Event.objects.filter(action__in=ACTIONS)
