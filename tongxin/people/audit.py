"""Sign-ins, sign-outs and failed sign-ins, and reads of contacts shown whole, recorded in
the audit log (core.audit).

Sign-ins are connected to Django's auth signals when the app is ready (apps.py), so the
web pages and the API's token endpoint are covered alike. Each entry is filed under the
person's home, else the place of one of their roles (``home_code``, declared in
manifest.py as the place of a person for the kernel registry).

Every page and endpoint that shows people's phone or ID numbers calls
``record_contact_read`` once per request with the people it showed.
"""

from django.contrib.admin.models import LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save

from tongxin.core import audit
from tongxin.people.auth import find_account, lock_key
from tongxin.people.models import SignInLock
from tongxin.people.rules import contact_for
from tongxin.places.models import Place


def home_code(person):
    """Return the code of the person's household, else of a place where they hold a role."""
    if person.household_id:
        return person.household.code
    assignment = person.roles.select_related("place").only("place__code").first()
    return assignment.place.code if assignment else ""


def _signed_in(sender, request, user, **kwargs):
    extra = {"superuser": True} if user.is_superuser else {}
    audit.record(audit.SIGN_IN, user, request=request, actor=user,
                 place=audit.PlaceOf(home_code(user)), **extra)


def _signed_out(sender, request, user, **kwargs):
    if user is None:
        return
    audit.record(audit.SIGN_OUT, user, request=request, actor=user,
                 place=audit.PlaceOf(home_code(user)))


def _sign_in_failed(sender, credentials, request=None, **kwargs):
    name = str(credentials.get("username") or "").strip()[:150]
    person = find_account(name)
    subject = person or SignInLock.objects.filter(username=lock_key(name)).first()
    if subject is None:
        return
    audit.record(audit.SIGN_IN_FAILED, subject, request=request,
                 place=audit.PlaceOf(home_code(person) if person else ""),
                 username=name, locked=bool(getattr(request, "tongxin_locked", False)))


def record_contact_read(request, people, *, place=None):
    """Note, in one audit entry, that ``request.user`` was shown the phone or ID number of
    some of ``people`` whole (people.rules.contact_for); nothing if all was masked.

    One person's read is filed about that person; a list's about ``place`` (the page's
    place), else the deepest place holding everyone read, and names them (``people``).
    The reader's own details, and people with neither number, are left out.
    """
    viewer = request.user
    read = [person for person in people
            if person.pk != viewer.pk and (person.phone or person.id_number)
            and not contact_for(viewer, person)["masked"]]
    if not read:
        return None
    if place is None and len(read) == 1:
        subject, place = read[0], audit.PlaceOf(_filed_under(read[0]))
    else:
        subject = place if place is not None else _place_holding(read)
        if subject is None:  # people of several top places: filed about the reader
            subject, place = viewer, audit.PlaceOf("")
        else:
            place = subject
    return audit.record_read(request, subject, what="contact", place=place,
                             people=sorted(person.pk for person in read))


def _filed_under(person):
    """``home_code`` for a person whose roles a list may have prefetched already."""
    if person.household_id:
        return person.household.code
    assignment = next(iter(person.roles.all()), None)
    return assignment.place.code if assignment else ""


def _place_holding(people):
    """Return the deepest place whose code starts every code the people are filed under."""
    codes = [_filed_under(person) for person in people]
    common = codes[0]
    for code in codes[1:]:
        while not code.startswith(common):
            common = common[:-1]
    prefixes = [common[:n] for n in range(1, len(common) + 1)]
    return Place.objects.filter(code__in=prefixes).order_by("-depth").first() if prefixes else None
def _admin_changed(sender, instance, created, **kwargs):
    """Copy each change made in the admin (only superusers reach it) to the audit log."""
    if created:
        audit.record(audit.ADMIN_CHANGE, instance, actor=instance.user,
                     model=instance.content_type.model if instance.content_type else "",
                     object_id=instance.object_id or "", flag=instance.action_flag,
                     object=instance.object_repr[:100])


def connect():
    user_logged_in.connect(_signed_in, dispatch_uid="tongxin.audit.sign_in")
    user_logged_out.connect(_signed_out, dispatch_uid="tongxin.audit.sign_out")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="tongxin.audit.sign_in_failed")
    post_save.connect(_admin_changed, sender=LogEntry, dispatch_uid="tongxin.audit.admin_change")
