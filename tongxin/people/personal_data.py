"""What the people app holds about a person: the profile, roles and sign-in locks.

Registered from manifest.py. Erasure keeps the person's row, so that every count that
points at it stays; the row no longer says who they were.
"""

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from tongxin.kernel.registry import Column, PersonalData, register
from tongxin.people.models import Person, RoleAssignment, SignInLock

ANONYMISED_NAME = _("Deregistered resident")


def anonymised_name():
    """Return the name an erased person's row carries, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(ANONYMISED_NAME)


def _when(value):
    return timezone.localtime(value).isoformat() if value else None


def _accounts(person):
    return [name for name in (person.username, person.phone) if name]


def export_profile(person):
    person = Person.objects.select_related("household").get(pk=person.pk)
    return {
        "username": person.username or "", "full_name": person.full_name,
        "phone": person.phone or "", "id_number": person.id_number or "",
        "email": person.email, "household": person.household.full_name if person.household else "",
        "is_household_head": person.is_household_head, "elder_mode": person.elder_mode,
        "date_joined": _when(person.date_joined), "last_login": _when(person.last_login),
    }


def erase_profile(person, *, by):
    """Empty the person's row and close the account; the row itself stays."""
    person.full_name = anonymised_name()
    person.username = None
    person.phone = None
    person.id_number = None
    person.email = ""
    person.household = None
    person.is_household_head = False
    person.elder_mode = False
    person.is_active = False
    person.is_superuser = False
    person.last_login = None
    person.set_unusable_password()
    person.save()
    person.groups.clear()
    person.user_permissions.clear()


def export_roles(person):
    return [
        {"role": str(a.get_role_display()), "place": a.place.full_name,
         "organisation": a.organisation.name if a.organisation else "",
         "since": _when(a.created_at)}
        for a in RoleAssignment.objects.filter(person=person).select_related("place", "organisation")
    ]


def erase_roles(person, *, by):
    RoleAssignment.objects.filter(person=person).delete()


def export_sign_in_locks(person):
    return [
        {"account": lock.username, "failures": lock.failures,
         "last_failure_at": _when(lock.last_failure_at), "locked_until": _when(lock.locked_until)}
        for lock in SignInLock.objects.filter(username__in=_accounts(person))
    ]


def erase_sign_in_locks(person, *, by):
    SignInLock.objects.filter(username__in=_accounts(person)).delete()


register("people", personal_data=[
    PersonalData(
        "profile", _("Profile"), record=True, order=0,
        columns=(
            Column("username", _("User name")), Column("full_name", _("Full name")),
            Column("phone", _("Phone")), Column("id_number", _("ID-card number")),
            Column("email", _("E-mail")), Column("household", _("Household address")),
            Column("is_household_head", _("Head of household")),
            Column("elder_mode", _("Elder mode")),
            Column("date_joined", _("Date joined")), Column("last_login", _("Last sign-in")),
        ),
        export=export_profile, erase=erase_profile, covers=("people.person",),
    ),
    PersonalData(
        "roles", _("Roles"), order=10,
        columns=(
            Column("role", _("Role")), Column("place", _("Place")),
            Column("organisation", _("Organisation")), Column("since", _("Since")),
        ),
        export=export_roles, erase=erase_roles, covers=("people.roleassignment.person",),
    ),
    PersonalData(
        "sign_in_locks", _("Sign-in locks"), order=80,
        columns=(
            Column("account", _("Account name")), Column("failures", _("Failed sign-ins")),
            Column("last_failure_at", _("Last failure")), Column("locked_until", _("Locked until")),
        ),
        export=export_sign_in_locks, erase=erase_sign_in_locks,
    ),
])
