"""What the matters app holds about a person: what they raised, supported, rated, inspected.

Registered from manifest.py. Erasure keeps every row that counts and rates are computed
from; it only empties the contact details a reporter gave on their matters.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.kernel.registry import Column, PersonalData, register
from tongxin.matters.choices import Visibility
from tongxin.matters.models import Inspection, Matter, Rating, Support
from tongxin.matters.selectors import text_as_seen


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


def erase_matters(person, *, by):
    Matter.objects.filter(reporter=person).update(contact_name="", contact_phone="")


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
        export=export_ratings, covers=("matters.rating.rater",),
    ),
    PersonalData(
        "inspections", _("Inspections"), order=60,
        columns=(
            Column("matter", _("Number")), Column("passed", _("Passed")),
            Column("note", _("Note")), Column("at", _("At")),
        ),
        export=export_inspections, covers=("matters.inspection.inspector",),
    ),
])
