"""What the people app holds about a person: the profile, roles and sign-in locks.

Registered from manifest.py. Erasure keeps the person's row, so that every count that
points at it stays; the row no longer says who they were.
"""

import re

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from tongxin.core.models import Event
from tongxin.kernel.registry import Column, PersonalData, register
from tongxin.people.models import Person, RoleAssignment, SignInLock

ANONYMISED_NAME = _("Deregistered resident")
ERASED = _("[erased]")


def anonymised_name():
    """Return the name an erased person's row carries, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(ANONYMISED_NAME)


def erased_mark():
    """Return what stands in erased text for a name or a number, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(ERASED)


# --- the person, out of text they wrote -----------------------------------------------------
# A digit, half- or full-width; what people type between digits (spaces, dashes, dots).
_D = "[0-9０-９]"
_SEP = r"[\s\u3000\-－.·]*"
_WIDE = str.maketrans("0123456789", "０１２３４５６７８９")
# Numbers that reach or name someone: a mobile (+86 optional), an ID-card number, a
# landline with its area code; never part of a longer run of digits.
_CONTACT_LIKE = re.compile(
    rf"(?<![0-9０-９])(?:"
    rf"(?:\+?86{_SEP})?1[3-9３-９](?:{_SEP}{_D}){{9}}"
    rf"|{_D}{{6}}(?:{_SEP}{_D}){{11}}{_SEP}[0-9０-９XxＸｘ]"
    rf"|0{_D}{{2,3}}{_SEP}{_D}{{7,8}}"
    rf")(?![0-9０-９])"
)


def _number_pattern(number):
    """A pattern for ``number`` as people type it: any width, separators between digits."""
    parts = []
    for char in number:
        if char.isdigit():
            parts.append(f"[{char}{char.translate(_WIDE)}]")
        else:
            parts.append(f"[{char.upper()}{char.lower()}]")
    return _SEP.join(parts)


def identity_pattern(person):
    """Return a pattern for what names ``person`` in text: their name (two characters or
    more), phone and ID-card number; None if they have none."""
    name = person.full_name or ""
    names = [re.escape(name)] if len(name) >= 2 and name != anonymised_name() else []
    numbers = [_number_pattern(n) for n in (person.phone or "", person.id_number or "") if n]
    alternatives = names + numbers
    return re.compile("|".join(alternatives)) if alternatives else None


def erase_person_from_text(text, person, *, contacts=True):
    """Return ``text`` without ``person``'s name, phone and ID-card number (as
    typed: any width, with spaces or dashes), and, with ``contacts``, without any other
    phone or ID-card number in it: for text the person wrote, erased with them."""
    if not text:
        return text
    mark = erased_mark()
    pattern = identity_pattern(person)
    if pattern is not None:
        text = pattern.sub(mark, text)
    if contacts:
        text = _CONTACT_LIKE.sub(mark, text)
    return text


def erase_person_from_data(data, person, *, contacts=True):
    """Return ``data`` (a JSON value) with every string passed through
    ``erase_person_from_text``."""
    if isinstance(data, str):
        return erase_person_from_text(data, person, contacts=contacts)
    if isinstance(data, list):
        return [erase_person_from_data(v, person, contacts=contacts) for v in data]
    if isinstance(data, dict):
        return {k: erase_person_from_data(v, person, contacts=contacts) for k, v in data.items()}
    return data


def _when(value):
    return timezone.localtime(value).isoformat() if value else None


def _accounts(person):
    """Return the SignInLock keys that concern ``person`` (people/auth.py): their account,
    and names typed for it before it existed."""
    return [f"person:{person.pk}"] + [
        f"name:{name}" for name in (person.username, person.phone) if name]


def export_profile(person):
    person = Person.objects.select_related("household").get(pk=person.pk)
    return {
        "username": person.username or "", "full_name": person.full_name,
        "phone": person.phone or "", "id_number": person.id_number or "",
        "email": person.email, "household": person.household.full_name if person.household else "",
        "is_household_head": person.is_household_head, "elder_mode": person.elder_mode,
        "elder_mode_offered": person.elder_mode_offered,
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
    person.elder_mode_offered = False
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


def erase_audit_fields(person, *, by):
    """Take the person out of the free fields of the audit log's entries about them, by
    them, or naming one of their account names (a user name or phone typed at a failed
    sign-in). The entries stay: who did what and when still counts."""
    accounts = [name for name in (person.username, person.phone) if name]
    entries = Event.objects.filter(
        Q(subject_type=ContentType.objects.get_for_model(Person), subject_id=str(person.pk))
        | Q(actor=person) | Q(data__username__in=accounts))
    mark = erased_mark()
    for pk, data in entries.values_list("pk", "data"):
        cleaned = erase_person_from_data(data, person, contacts=False)
        if isinstance(cleaned, dict) and cleaned.get("username") in accounts:
            cleaned["username"] = mark
        if cleaned != data:
            # Entries are append-only; erasure is the one change the law asks of them.
            Event.objects.filter(pk=pk).update(data=cleaned)


register("people", personal_data=[
    PersonalData(
        "profile", _("Profile"), record=True, order=0,
        columns=(
            Column("username", _("User name")), Column("full_name", _("Full name")),
            Column("phone", _("Phone")), Column("id_number", _("ID-card number")),
            Column("email", _("E-mail")), Column("household", _("Household address")),
            Column("is_household_head", _("Head of household")),
            Column("elder_mode", _("Elder mode")),
            Column("elder_mode_offered", _("Elder mode offered")),
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
    # Before the sign-in locks go (erasure runs in reverse order): they name the accounts.
    PersonalData("audit_fields", _("Audit log entries"), order=85, erase=erase_audit_fields,
                 covers=("core.event.actor",)),
])
