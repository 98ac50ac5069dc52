"""Personal-data rights (PIPL): what Tongxin holds about a person, its export, and erasure.

``anonymise`` keeps every row that counts are computed from (matters, supports,
ratings, inspections, timeline events): their foreign keys keep pointing at the
person's row, which no longer says who they were. Counts and rates do not change.
"""

import io
import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongxin.core.models import record_event
from tongxin.matters.choices import Visibility
from tongxin.matters.models import Inspection, Matter, Rating, Support
from tongxin.notices.models import Notice
from tongxin.people.models import Person, RoleAssignment, SignInLock

ANONYMISED_NAME = gettext_lazy("Deregistered resident")

# (section key, sheet title, [(field key, column header)]); headers are translated at use.
SECTIONS = [
    ("roles", gettext_lazy("Roles"), [
        ("role", gettext_lazy("Role")), ("place", gettext_lazy("Place")),
        ("organisation", gettext_lazy("Organisation")), ("since", gettext_lazy("Since")),
    ]),
    ("matters", gettext_lazy("Matters"), [
        ("number", gettext_lazy("Number")), ("title", gettext_lazy("Title")),
        ("description", gettext_lazy("Description")), ("place", gettext_lazy("Place")),
        ("address", gettext_lazy("Address")), ("status", gettext_lazy("Status")),
        ("contact_name", gettext_lazy("Contact name")),
        ("contact_phone", gettext_lazy("Contact phone")),
        ("satisfaction", gettext_lazy("Satisfaction")), ("raised_at", gettext_lazy("Raised at")),
    ]),
    ("timeline", gettext_lazy("Timeline"), [
        ("matter", gettext_lazy("Number")), ("at", gettext_lazy("At")),
        ("action", gettext_lazy("Action")), ("note", gettext_lazy("Note")),
    ]),
    ("supports", gettext_lazy("Supports"), [
        ("matter", gettext_lazy("Number")), ("title", gettext_lazy("Title")),
        ("at", gettext_lazy("At")),
    ]),
    ("ratings", gettext_lazy("Ratings"), [
        ("matter", gettext_lazy("Number")), ("satisfaction", gettext_lazy("Satisfaction")),
        ("comment", gettext_lazy("Comment")), ("at", gettext_lazy("At")),
    ]),
    ("inspections", gettext_lazy("Inspections"), [
        ("matter", gettext_lazy("Number")), ("passed", gettext_lazy("Passed")),
        ("note", gettext_lazy("Note")), ("at", gettext_lazy("At")),
    ]),
    ("notices", gettext_lazy("Notices"), [
        ("text", gettext_lazy("Message")), ("at", gettext_lazy("At")),
        ("read_at", gettext_lazy("Read at")),
    ]),
    ("sign_in_locks", gettext_lazy("Sign-in locks"), [
        ("account", gettext_lazy("Account name")), ("failures", gettext_lazy("Failed sign-ins")),
        ("last_failure_at", gettext_lazy("Last failure")),
        ("locked_until", gettext_lazy("Locked until")),
    ]),
]
PROFILE_FIELDS = [
    ("username", gettext_lazy("User name")), ("full_name", gettext_lazy("Full name")),
    ("phone", gettext_lazy("Phone")), ("id_number", gettext_lazy("ID-card number")),
    ("email", gettext_lazy("E-mail")), ("household", gettext_lazy("Household address")),
    ("is_household_head", gettext_lazy("Head of household")),
    ("date_joined", gettext_lazy("Date joined")), ("last_login", gettext_lazy("Last sign-in")),
]


def _when(value):
    return timezone.localtime(value).isoformat() if value else None


def _notice_text(notice):
    try:
        return notice.text
    except (KeyError, ValueError, TypeError):  # an old notice whose wording changed since
        return notice.kind


def personal_data(person):
    """Return everything Tongxin holds about ``person``, unmasked: it is their own data."""
    person = Person.objects.select_related("household").get(pk=person.pk)
    profile = {
        "username": person.username or "", "full_name": person.full_name,
        "phone": person.phone or "", "id_number": person.id_number or "",
        "email": person.email, "household": person.household.full_name if person.household else "",
        "is_household_head": person.is_household_head,
        "date_joined": _when(person.date_joined), "last_login": _when(person.last_login),
    }
    roles = [
        {"role": str(a.get_role_display()), "place": a.place.full_name,
         "organisation": a.organisation.name if a.organisation else "",
         "since": _when(a.created_at)}
        for a in RoleAssignment.objects.filter(person=person).select_related("place", "organisation")
    ]
    matters, timeline = [], []
    for matter in Matter.objects.filter(reporter=person).select_related("place").order_by("pk"):
        matters.append({
            "number": matter.number, "title": matter.title, "description": matter.description,
            "place": matter.place.full_name, "address": matter.address,
            "status": str(matter.get_status_display()), "contact_name": matter.contact_name,
            "contact_phone": matter.contact_phone,
            "satisfaction": str(matter.get_satisfaction_display()) if matter.satisfaction else "",
            "raised_at": _when(matter.created_at),
        })
        for event in matter.events.filter(visibility=Visibility.PUBLIC):
            timeline.append({"matter": matter.number, "at": _when(event.at),
                             "action": event.action, "note": event.note})
    supports = [
        {"matter": s.matter.number, "title": s.matter.title, "at": _when(s.created_at)}
        for s in Support.objects.filter(person=person).select_related("matter").order_by("pk")
    ]
    ratings = [
        {"matter": r.resolution.matter.number,
         "satisfaction": str(r.get_satisfaction_display()), "comment": r.comment,
         "at": _when(r.created_at)}
        for r in Rating.objects.filter(rater=person).select_related("resolution__matter")
        .order_by("pk")
    ]
    inspections = [
        {"matter": i.resolution.matter.number, "passed": i.passed, "note": i.note,
         "at": _when(i.created_at)}
        for i in Inspection.objects.filter(inspector=person).select_related("resolution__matter")
        .order_by("pk")
    ]
    notices = [
        {"text": _notice_text(n), "at": _when(n.created_at), "read_at": _when(n.read_at)}
        for n in Notice.objects.filter(recipient=person)
    ]
    accounts = [name for name in (person.username, person.phone) if name]
    locks = [
        {"account": lock.username, "failures": lock.failures,
         "last_failure_at": _when(lock.last_failure_at), "locked_until": _when(lock.locked_until)}
        for lock in SignInLock.objects.filter(username__in=accounts)
    ]
    return {
        "exported_at": _when(timezone.now()), "profile": profile, "roles": roles,
        "matters": matters, "timeline": timeline, "supports": supports, "ratings": ratings,
        "inspections": inspections, "notices": notices, "sign_in_locks": locks,
    }


def export_json(person):
    """Return the person's data as UTF-8 JSON."""
    return json.dumps(personal_data(person), ensure_ascii=False, indent=2).encode("utf-8")


def export_xlsx(person):
    """Return the person's data as a workbook: a profile sheet, then one sheet per section."""
    from openpyxl import Workbook

    data = personal_data(person)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Profile")
    for key, label in PROFILE_FIELDS:
        value = data["profile"][key]
        if isinstance(value, bool):
            value = _("Yes") if value else _("No")
        sheet.append([str(label), value])
    for key, title, columns in SECTIONS:
        sheet = book.create_sheet(str(title)[:31])
        sheet.append([str(label) for _field, label in columns])
        for row in data[key]:
            values = []
            for field, _label in columns:
                value = row[field]
                if isinstance(value, bool):
                    value = _("Yes") if value else _("No")
                values.append(value)
            sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def anonymised_name():
    """Return the name an erased person's row carries, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(ANONYMISED_NAME)


@transaction.atomic
def anonymise(person, *, by):
    """Erase what identifies ``person`` while keeping every row that counts depend on."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    accounts = [name for name in (person.username, person.phone) if name]
    person.full_name = anonymised_name()
    person.username = None
    person.phone = None
    person.id_number = None
    person.email = ""
    person.household = None
    person.is_household_head = False
    person.is_active = False
    person.is_superuser = False
    person.last_login = None
    person.set_unusable_password()
    person.save()
    person.groups.clear()
    person.user_permissions.clear()
    RoleAssignment.objects.filter(person=person).delete()
    Matter.objects.filter(reporter=person).update(contact_name="", contact_phone="")
    Notice.objects.filter(recipient=person).delete()
    SignInLock.objects.filter(username__in=accounts).delete()
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=person).delete()
    # No personal data in the record: only that it happened, to which (now empty) row.
    record_event("person.anonymised", person, actor=by)
    return person
