"""Every write to people and their roles."""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from tongxin.core import audit
from tongxin.core.models import Event, record_event
from tongxin.kernel.errors import ServiceError
from tongxin.kernel.scope import forget_scope
from tongxin.people.models import Person, RoleAssignment
from tongxin.people.roles import ROLE_SPECS
from tongxin.people.validators import normalise_id_number, normalise_phone
from tongxin.places.choices import PlaceKind


def _check_unique(field, value, label, exclude=None):
    if value and Person.objects.filter(**{field: value}).exclude(pk=exclude).exists():
        raise ServiceError(
            f"{field}_taken", _("%(label)s %(value)s belongs to someone else.")
            % {"label": label, "value": value},
        )


@transaction.atomic
def create_person(*, full_name, phone="", id_number="", household=None, username=None,
                  password=None, is_household_head=False, by=None):
    """Create a person; with a password they can sign in, without one they cannot yet."""
    full_name = (full_name or "").strip()
    if not full_name:
        raise ServiceError("name_required", _("A person needs a name."))
    phone = normalise_phone(phone)
    id_number = normalise_id_number(id_number)
    _check_unique("phone", phone, _("Phone"))
    _check_unique("id_number", id_number, _("ID-card number"))
    _check_unique("username", username, _("User name"))
    if household is not None and household.kind != PlaceKind.HOUSEHOLD:
        raise ServiceError("not_a_household", _("People live in households."))
    person = Person(
        full_name=full_name, phone=phone or None, id_number=id_number or None,
        household=household, username=username or None, is_household_head=is_household_head,
    )
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.save()
    record_event("person.created", person, actor=by, place=household)
    return person


@transaction.atomic
def update_person(person, *, by=None, **changes):
    """Change a person's name, phone, ID number, household or head flag; record what changed."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if "full_name" in changes:
        changes["full_name"] = (changes["full_name"] or "").strip()
        if not changes["full_name"]:
            raise ServiceError("name_required", _("A person needs a name."))
    if "phone" in changes:
        changes["phone"] = normalise_phone(changes["phone"]) or None
        _check_unique("phone", changes["phone"], _("Phone"), exclude=person.pk)
    if "id_number" in changes:
        changes["id_number"] = normalise_id_number(changes["id_number"]) or None
        _check_unique("id_number", changes["id_number"], _("ID-card number"), exclude=person.pk)
    if "username" in changes:
        changes["username"] = changes["username"] or None
        _check_unique("username", changes["username"], _("User name"), exclude=person.pk)
    household = changes.get("household")
    if household is not None and household.kind != PlaceKind.HOUSEHOLD:
        raise ServiceError("not_a_household", _("People live in households."))
    changed = [name for name, value in changes.items() if getattr(person, name) != value]
    for name in changed:
        setattr(person, name, changes[name])
    if changed:
        person.save(update_fields=changed)
        # Only the names of changed fields go on the record: never the personal data.
        record_event("person.updated", person, actor=by, place=person.household, fields=changed)
    return person


@transaction.atomic
def set_elder_mode(person, on):
    """Turn the person's elder mode (长辈版) on or off; they choose it for themselves.

    Either choice also answers the offer of the mode: it is not offered again.
    """
    return update_person(person, by=person, elder_mode=bool(on), elder_mode_offered=True)


@transaction.atomic
def assign_role(person, *, role, place, organisation=None, by=None):
    """Give ``person`` a role at ``place``; checks the place kind and organisation the role needs."""
    spec = ROLE_SPECS[role]
    if place.kind not in spec.place_kinds:
        raise ServiceError(
            "role_bad_place",
            _("The role %(role)s is not held at a %(kind)s.")
            % {"role": role.label if hasattr(role, "label") else role,
               "kind": PlaceKind(place.kind).label},
        )
    if spec.org_kinds:
        if organisation is None or organisation.kind not in spec.org_kinds:
            raise ServiceError("role_needs_org", _("This role is held for an organisation."))
        if not place.is_within(organisation.place) and not organisation.place.is_within(place):
            raise ServiceError(
                "role_org_elsewhere", _("The organisation is not attached to this place.")
            )
    assignment, created = RoleAssignment.objects.get_or_create(
        person=person, role=role, place=place, defaults={"organisation": organisation}
    )
    if created:
        # A system administrator administers the places under where the role is held
        # (its scope, like any role's); it never makes a site-wide superuser.
        record_event("role.assigned", person, actor=by, place=place, role=str(role))
    forget_scope(person)
    return assignment


@transaction.atomic
def revoke_role(assignment, *, by=None):
    person = assignment.person
    record_event(
        "role.revoked", person, actor=by, place=assignment.place, role=assignment.role
    )
    assignment.delete()
    forget_scope(person)


def grant_superuser(person, *, by=None, reason=""):
    """Make ``person`` the site-wide superuser: every district, and the admin site.

    Separate from any role (a system_admin role is scoped to its district) and only
    given by ``tongxin superuser grant``; the grant is written to the audit log.
    """
    return _set_superuser(person, True, by=by, reason=reason)


def revoke_superuser(person, *, by=None, reason=""):
    """Take the site-wide superuser away from ``person``; written to the audit log."""
    return _set_superuser(person, False, by=by, reason=reason)


@transaction.atomic
def _set_superuser(person, value, *, by, reason):
    person = Person.objects.select_for_update().get(pk=person.pk)
    if value and not person.is_active:
        raise ServiceError("inactive", _("A deactivated account cannot be a superuser."))
    if person.is_superuser != value:
        person.is_superuser = value
        person.save(update_fields=["is_superuser"])
        audit.record(audit.SUPERUSER_GRANTED if value else audit.SUPERUSER_REVOKED, person,
                     actor=by, reason=reason)
        forget_scope(person)
    return person


@transaction.atomic
def end_sign_ins(person, *, by=None, reason="signed_out_everywhere"):
    """End every live sign-in of ``person``: their sessions and their API tokens.

    Raising ``sign_in_generation`` changes the hash that sessions and tokens carry
    (Person._get_session_auth_hash), so each is refused at its next use, whichever
    worker or device holds it.
    """
    Person.objects.filter(pk=person.pk).update(sign_in_generation=F("sign_in_generation") + 1)
    person.refresh_from_db(fields=["sign_in_generation"])
    record_event("person.sign_ins_ended", person, actor=by, place=person.household, reason=reason)


@transaction.atomic
def set_password(person, password, *, by=None):
    person.set_password(password)
    person.save(update_fields=["password"])
    record_event("person.password_set", person, actor=by, place=person.household)


def _check_free(field, values, label):
    """Refuse, as create_person does one by one, numbers someone already has."""
    values = [value for value in values if value]
    seen = set()
    duplicate = next((value for value in values if value in seen or seen.add(value)), None)
    for start in range(0, len(values), 500):
        taken = duplicate or (
            Person.objects.filter(**{field + "__in": values[start:start + 500]})
            .values_list(field, flat=True).first()
        )
        if taken:
            raise ServiceError(
                f"{field}_taken", _("%(label)s %(value)s belongs to someone else.")
                % {"label": label, "value": taken},
            )


@transaction.atomic
def create_residents_in_bulk(residents, *, by=None):
    """Create many residents who cannot sign in yet, in a few statements; return them in order.

    ``residents`` are dicts of ``create_person``'s arguments (full_name, phone, id_number,
    household, is_household_head). Each gets the checks and the event ``create_person``
    would give it; one by one the demo's 3,000 residents take ~10 s on SQLite.
    """
    people = []
    for resident in residents:
        full_name = (resident["full_name"] or "").strip()
        if not full_name:
            raise ServiceError("name_required", _("A person needs a name."))
        household = resident.get("household")
        if household is not None and household.kind != PlaceKind.HOUSEHOLD:
            raise ServiceError("not_a_household", _("People live in households."))
        person = Person(
            full_name=full_name,
            phone=normalise_phone(resident.get("phone", "")) or None,
            id_number=normalise_id_number(resident.get("id_number", "")) or None,
            household=household, is_household_head=resident.get("is_household_head", False),
        )
        person.set_unusable_password()
        people.append(person)
    _check_free("phone", [p.phone for p in people], _("Phone"))
    _check_free("id_number", [p.id_number for p in people], _("ID-card number"))
    Person.objects.bulk_create(people, batch_size=500)
    person_type = ContentType.objects.get_for_model(Person)
    actor = by if getattr(by, "is_authenticated", False) else None
    Event.objects.bulk_create([
        Event(action="person.created", subject_type=person_type, subject_id=str(person.pk),
              actor=actor, place_code=person.household.code if person.household else "")
        for person in people
    ], batch_size=500)
    return people
