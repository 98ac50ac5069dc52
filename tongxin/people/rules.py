"""Who may do what with people and their personal data (composable predicates)."""

import rules
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from tongxin.core.masking import mask_id_number, mask_phone
from tongxin.kernel.paths import subtrees_q
from tongxin.kernel.scope import scope_for
from tongxin.people.choices import Role
from tongxin.people.validators import age_on, birth_date_from_id_number
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place


@rules.predicate
def is_self(user, person):
    return person is not None and user.pk == person.pk


@rules.predicate
def is_staff_member(user):
    return scope_for(user).staff


@rules.predicate
def sees_people(user):
    scope = scope_for(user)
    return scope.everything or bool(scope.people_roots)


@rules.predicate
def person_in_scope(user, person):
    if person is None:
        return False
    return person.__class__.objects.visible_to(user).filter(pk=person.pk).exists()


@rules.predicate
def contact_in_scope(user, person):
    """The viewer's full-contact roles cover where the person lives."""
    if person is None:
        return False
    scope = scope_for(user)
    if scope.everything:
        return True
    household = person.household
    return household is not None and scope.covers_place(household.code, "contact_roots")


def whole_contact_q(user):
    """Return a Q for the people whose contacts ``user`` sees whole (``contact_in_scope``
    or themselves), so that a query never matches a field the viewer sees masked."""
    scope = scope_for(user)
    if scope.everything:
        return Q()
    query = Q(pk=user.pk) if user.pk is not None else Q(pk__in=[])
    if scope.contact_roots:
        query |= subtrees_q(scope.contact_roots, "household__code")
    return query


IMPORT_ROLES = {Role.COMMUNITY_SECRETARY, Role.COMMITTEE_MEMBER, Role.STREET_OFFICER,
                Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN}


@rules.predicate
def can_import_somewhere(user):
    return scope_for(user).everything or bool(IMPORT_ROLES & set(scope_for(user).roles))


rules.add_perm("people.view_person", is_self | person_in_scope)
rules.add_perm("people.view_person_contact", is_self | contact_in_scope)
rules.add_perm("people.list_people", sees_people)
rules.add_perm("people.import_roster", can_import_somewhere)


def import_roots(user):
    """Return the places under which ``user`` may import a roster (community and up)."""
    scope = scope_for(user)
    if scope.everything:
        return list(Place.objects.filter(parent__isnull=True))
    assignments = user.roles.filter(role__in=IMPORT_ROLES).select_related("place")
    return [a.place for a in assignments if a.place.kind != PlaceKind.HOUSEHOLD]


def contact_for(viewer, person):
    """Return the phone and ID number as ``viewer`` may see them (masked or in full)."""
    if viewer.has_perm("people.view_person_contact", person):
        return {"phone": person.phone or "", "id_number": person.id_number or "", "masked": False}
    return {
        "phone": mask_phone(person.phone),
        "id_number": mask_id_number(person.id_number),
        "masked": True,
    }


def offer_elder_mode(person, today=None):
    """Whether the home page asks this person if they want the elder mode (长辈版).

    Residents (no staff role) whose ID-card number in the roster says they are
    ``TONGXIN_ELDER_MODE_OFFER_AGE`` or older, until they have answered once or chosen
    the mode themselves.
    """
    if person.elder_mode or person.elder_mode_offered or is_staff_member(person):
        return False
    born = birth_date_from_id_number(person.id_number)
    if born is None:
        return False
    today = today or timezone.localdate()
    return age_on(born, today) >= settings.TONGXIN_ELDER_MODE_OFFER_AGE
