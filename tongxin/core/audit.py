"""The audit log: sign-ins, exports and reads of sensitive details, kept as core Events.

State changes are already events (every service writes one). This module adds what
changes nothing but must still be traceable (issue 6, PIPL art. 51-55): who signed in
(or failed to), who downloaded an export, who opened someone's unmasked contact
details (and, when mediation lands, a dispute's details, through ``record_read``).
Each entry carries the place it concerns, so the audit page is scoped by the same
place ranges as everything else.

Core only records. The people app records sign-ins (people.audit, on Django's auth
signals); the portal decides who may read the log and which entries they see.
"""

from django.db import transaction

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
    """Note that ``request.user`` read ``what`` of ``subject`` (e.g. an unmasked phone)."""
    return record(READ, subject, request=request, actor=request.user, place=place, what=what,
                  **data)


def record_export(request, subject, *, what, place=None, **data):
    """Note that ``request.user`` downloaded export ``what`` (rows, format … in data)."""
    return record(EXPORT, subject, request=request, actor=request.user, place=place, what=what,
                  **data)


def entries():
    """Return every audit entry (the portal narrows them to what a reader may see)."""
    return Event.objects.filter(action__in=ACTIONS)
