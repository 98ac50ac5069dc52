"""The audit log: sign-ins, exports and reads of sensitive details, kept as core Events.

State changes are already events (every service writes one). This module adds what
changes nothing but must still be traceable (issue 6, PIPL art. 51-55): who signed in
(or failed to), who downloaded an export, who opened someone's unmasked contact
details (and, when mediation lands, a dispute's details, through ``record_read``).
Each entry carries the place it concerns, so the audit page is scoped by the same
place ranges as everything else.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models import Q

from tongxin.core.models import Event, record_event
from tongxin.core.ratelimit import client_ip
from tongxin.people.choices import Role
from tongxin.people.scope import scope_for
from tongxin.places.models import subtrees_q

SIGN_IN = "audit.sign_in"
SIGN_IN_FAILED = "audit.sign_in_failed"
SIGN_OUT = "audit.sign_out"
EXPORT = "audit.export"
READ = "audit.read"
ACTIONS = (SIGN_IN, SIGN_IN_FAILED, SIGN_OUT, EXPORT, READ)

AUDITORS = {Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN}


class PlaceOf:
    """The place an entry about ``person`` is filed under: their home, else a role's place."""

    def __init__(self, code):
        self.code = code


def home_code(person):
    if person is None:
        return ""
    if person.household_id:
        return person.household.code
    assignment = person.roles.select_related("place").only("place__code").first()
    return assignment.place.code if assignment else ""


def _where(request):
    if request is None:
        return {}
    return {"ip": client_ip(request),
            "agent": request.META.get("HTTP_USER_AGENT", "")[:200]}


def record_read(request, subject, *, what, place=None, **data):
    """Note that ``request.user`` read ``what`` of ``subject`` (e.g. an unmasked phone)."""
    with transaction.atomic():
        return record_event(READ, subject, actor=request.user, place=place, what=what,
                            **_where(request), **data)


def record_export(request, subject, *, what, place=None, **data):
    """Note that ``request.user`` downloaded export ``what`` (rows, format … in data)."""
    with transaction.atomic():
        return record_event(EXPORT, subject, actor=request.user, place=place, what=what,
                            **_where(request), **data)


def _signed_in(sender, request, user, **kwargs):
    with transaction.atomic():
        record_event(SIGN_IN, user, actor=user, place=PlaceOf(home_code(user)),
                     **_where(request))


def _signed_out(sender, request, user, **kwargs):
    if user is None:
        return
    with transaction.atomic():
        record_event(SIGN_OUT, user, actor=user, place=PlaceOf(home_code(user)),
                     **_where(request))


def _sign_in_failed(sender, credentials, request=None, **kwargs):
    from tongxin.people.models import Person, SignInLock

    name = str(credentials.get("username") or "").strip()[:150]
    person = Person.objects.filter(Q(username=name) | Q(phone=name)).first() if name else None
    subject = person or SignInLock.objects.filter(username=name).first()
    if subject is None:
        return
    with transaction.atomic():
        record_event(SIGN_IN_FAILED, subject, place=PlaceOf(home_code(person)),
                     username=name, locked=bool(getattr(request, "tongxin_locked", False)),
                     **_where(request))


def connect():
    user_logged_in.connect(_signed_in, dispatch_uid="tongxin.audit.sign_in")
    user_logged_out.connect(_signed_out, dispatch_uid="tongxin.audit.sign_out")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="tongxin.audit.sign_in_failed")


def may_audit(user):
    scope = scope_for(user)
    return scope.everything or bool(scope.roots_for_roles(AUDITORS))


def visible_to(user):
    """Return the audit entries ``user`` may read: those filed under places they audit."""
    entries = Event.objects.filter(action__in=ACTIONS)
    scope = scope_for(user)
    if scope.everything:
        return entries
    roots = scope.roots_for_roles(AUDITORS)
    if not roots:
        return entries.none()
    return entries.filter(subtrees_q(roots, "place_code"))
