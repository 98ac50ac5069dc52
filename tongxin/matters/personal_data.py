"""What the matters app holds about a person: what they raised, supported, rated, inspected.

Registered from manifest.py. Erasure keeps every row that counts and rates are computed
from; it empties the contact details a reporter gave on their matters and takes the
person out of the text they wrote (people.personal_data.erase_person_from_text): their
matters' title, description and address, their notes on any timeline, their ratings'
comments, their inspections' notes and their results. Others' notes on the person's
own matters lose the person's name and numbers.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.core.masking import mask_contacts_in_text
from tongxin.kernel.models import PublishedEvent
from tongxin.kernel.registry import Column, PersonalData, register
from tongxin.matters.choices import Visibility
from tongxin.matters.models import Inspection, Matter, MatterEvent, Rating, Resolution, Support
from tongxin.matters.selectors import text_as_seen
from tongxin.people.personal_data import erase_person_from_data, erase_person_from_text


def _when(value):
    return timezone.localtime(value).isoformat() if value else None


def _raised(person):
    return Matter.objects.filter(reporter=person).select_related("place").order_by("pk")


def export_matters(person):
    return [
        {"number": matter.number, "title": matter.title, "description": matter.description,
         "place": matter.place.full_name, "address": matter.address,
         "status": str(matter.get_status_display()), "contact_name": matter.contact_name,
         "contact_phone": matter.contact_phone,
         "satisfaction": str(matter.get_satisfaction_display()) if matter.satisfaction else "",
         "raised_at": _when(matter.created_at)}
        for matter in _raised(person)
    ]


def _erase_text(queryset, person, fields, *, contacts=True):
    """Rewrite ``fields`` of each row without the person; rows stay (update, not save:
    timeline events are append-only, and erasure is the one change the law asks)."""
    for row in queryset.values("pk", *fields):
        changed = {}
        for name in fields:
            erase = erase_person_from_data if isinstance(row[name], dict) else erase_person_from_text
            value = erase(row[name], person, contacts=contacts)
            if value != row[name]:
                changed[name] = value
        if changed:
            queryset.model.objects.filter(pk=row["pk"]).update(**changed)


def erase_matters(person, *, by):
    raised = Matter.objects.filter(reporter=person)
    _erase_text(raised, person, ["title", "description", "address"])
    for pk, title in raised.values_list("pk", "title"):  # what search matches, as erased
        Matter.objects.filter(pk=pk).update(title_masked=mask_contacts_in_text(title))
    raised.update(contact_name="", contact_phone="")


def erase_writing(person, *, by):
    """Take the person out of what they wrote on any matter, and out of what others wrote
    on the matters they raised (only their own name and numbers there)."""
    _erase_text(MatterEvent.objects.filter(actor=person), person, ["note", "data"])
    _erase_text(MatterEvent.objects.filter(matter__reporter=person).exclude(actor=person),
                person, ["note", "data"], contacts=False)
    _erase_text(Resolution.objects.filter(resolved_by=person), person,
                ["what_was_done", "basis", "standard"])
    # The kernel's outbox keeps a copy of each step's data (kernel.events.publish).
    steps = PublishedEvent.objects.filter(subject_type=Matter._meta.label_lower)
    _erase_text(steps.filter(payload__by=person.pk), person, ["payload"])
    _erase_text(steps.filter(subject_id__in=[str(pk) for pk in Matter.objects.filter(
        reporter=person).values_list("pk", flat=True)]).exclude(payload__by=person.pk),
        person, ["payload"], contacts=False)


def erase_ratings(person, *, by):
    _erase_text(Rating.objects.filter(rater=person), person, ["comment"])


def erase_inspections(person, *, by):
    _erase_text(Inspection.objects.filter(inspector=person), person, ["note"])


def export_timeline(person):
    """Return the public timeline of the matters the person raised."""
    return [
        {"matter": matter.number, "at": _when(event.at), "action": event.action,
         "note": event.note}
        for matter in _raised(person)
        for event in matter.events.filter(visibility=Visibility.PUBLIC)
    ]


def export_supports(person):
    """Return the matters the person supported: someone else's, so their titles read as the
    person may see them (phone and ID numbers masked, selectors.text_as_seen)."""
    supports = (Support.objects.filter(person=person)
                .select_related("matter__reporter__household").order_by("pk"))
    return [
        {"matter": s.matter.number, "title": text_as_seen(s.matter, person).title,
         "at": _when(s.created_at)}
        for s in supports
    ]


def export_ratings(person):
    return [
        {"matter": r.resolution.matter.number,
         "satisfaction": str(r.get_satisfaction_display()), "comment": r.comment,
         "at": _when(r.created_at)}
        for r in Rating.objects.filter(rater=person).select_related("resolution__matter")
        .order_by("pk")
    ]


def export_inspections(person):
    return [
        {"matter": i.resolution.matter.number, "passed": i.passed, "note": i.note,
         "at": _when(i.created_at)}
        for i in Inspection.objects.filter(inspector=person).select_related("resolution__matter")
        .order_by("pk")
    ]


register("matters", personal_data=[
    PersonalData(
        "matters", _("Matters"), order=20,
        columns=(
            Column("number", _("Number")), Column("title", _("Title")),
            Column("description", _("Description")), Column("place", _("Place")),
            Column("address", _("Address")), Column("status", _("Status")),
            Column("contact_name", _("Contact name")),
            Column("contact_phone", _("Contact phone")),
            Column("satisfaction", _("Satisfaction")), Column("raised_at", _("Raised at")),
        ),
        export=export_matters, erase=erase_matters, covers=("matters.matter.reporter",),
    ),
    PersonalData(
        "timeline", _("Timeline"), order=30,
        columns=(
            Column("matter", _("Number")), Column("at", _("At")),
            Column("action", _("Action")), Column("note", _("Note")),
        ),
        export=export_timeline,
    ),
    PersonalData("writing", _("Notes and results"), order=35, erase=erase_writing,
                 covers=("matters.matterevent.actor", "matters.resolution.resolved_by")),
    PersonalData(
        "supports", _("Supports"), order=40,
        columns=(Column("matter", _("Number")), Column("title", _("Title")), Column("at", _("At"))),
        export=export_supports, covers=("matters.support.person",),
    ),
    PersonalData(
        "ratings", _("Ratings"), order=50,
        columns=(
            Column("matter", _("Number")), Column("satisfaction", _("Satisfaction")),
            Column("comment", _("Comment")), Column("at", _("At")),
        ),
        export=export_ratings, erase=erase_ratings, covers=("matters.rating.rater",),
    ),
    PersonalData(
        "inspections", _("Inspections"), order=60,
        columns=(
            Column("matter", _("Number")), Column("passed", _("Passed")),
            Column("note", _("Note")), Column("at", _("At")),
        ),
        export=export_inspections, erase=erase_inspections,
        covers=("matters.inspection.inspector",),
    ),
])
