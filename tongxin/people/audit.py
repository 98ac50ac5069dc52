"""Sign-ins, sign-outs and failed sign-ins, recorded in the audit log (core.audit).

Connected to Django's auth signals when the app is ready (apps.py), so the web pages
and the API's token endpoint are covered alike. Each entry is filed under the person's
home, else the place of one of their roles (``home_code``, declared in manifest.py as
the place of a person for the kernel registry).
"""

from django.contrib.admin.models import LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save

from tongxin.core import audit
from tongxin.people.auth import find_account, lock_key
from tongxin.people.models import SignInLock


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
