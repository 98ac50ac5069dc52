"""Turn matters and their timeline into GeoReport v2 service requests and FixMyStreet
request updates: open/closed with the Tongxin status in words, local ISO 8601 times,
and nothing personal (see rules.py for what is shown and why)."""

from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from tongxin.core.masking import mask_contacts_in_text, public_text
from tongxin.deadlines.choices import Stage
from tongxin.matters import presenters as timeline
from tongxin.matters.choices import OPEN_STATUSES, RejectReason, Status, Visibility
from tongxin.matters.models import MatterEvent
from tongxin.matters.selectors import raiser_names
from tongxin.open311.catalogue import service_of
from tongxin.open311.rules import shows_description
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place

OPEN, CLOSED = "open", "closed"
# Deadlines that promise the work itself (not just hearing the matter or a department's reply).
WORK_STAGES = {Stage.HANDLE, Stage.RECTIFY}
# Steps whose note is public text the government wrote: the result and why it stayed unsolved.
PUBLIC_NOTES = {"resolved", "closed_unsolved"}
# Steps whose summary quotes staff's free text, so only their label is shown.
LABEL_ONLY = {"escalated"}
ADDRESS_SKIPS = {PlaceKind.PROVINCE, PlaceKind.CITY, PlaceKind.GRID}
# The public knows where a matter is down to its compound, never a building or a home.
BELOW_COMPOUND = {PlaceKind.GRID, PlaceKind.BUILDING, PlaceKind.HOUSEHOLD}
COARSE = Decimal("0.001")


def open311_status(status):
    return OPEN if status in OPEN_STATUSES else CLOSED


def statuses_for(open311_statuses):
    """Return the Tongxin statuses behind a set of Open311 statuses."""
    return [s for s in Status if open311_status(s) in open311_statuses]


def status_notes(matter):
    label = str(Status(matter.status).label)
    if matter.status == Status.REJECTED and matter.reject_reason:
        return _("%(status)s: %(reason)s") % {
            "status": label, "reason": RejectReason(matter.reject_reason).label}
    if matter.status == Status.MERGED and matter.merged_into_id:
        return _("%(status)s (service_request_id %(id)s).") % {
            "status": label, "id": matter.merged_into_id}
    return label


def iso(value):
    """Return an aware datetime as ISO 8601 in local time with its offset (+08:00), or None."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def scrub(text):
    """Mask mobile and ID-card numbers a resident may have typed into free text."""
    return mask_contacts_in_text(text)


# Free text as the public may read it (core.masking.public_text, shared with the compound
# board) and the names the matter's own text may contain (matters.selectors.raiser_names).
names_in = raiser_names


def with_request_facts(matters):
    """Add what request() reads to a matter queryset, so a list costs a fixed few queries."""
    last_public = (MatterEvent.objects.filter(matter=OuterRef("pk"), visibility=Visibility.PUBLIC)
                   .order_by("-at", "-pk").values("at")[:1])
    return (matters.select_related("category__parent", "place", "owner_place", "open311",
                                   "reporter")
            .annotate(last_public_at=Subquery(last_public)))


def public_places(places):
    """Return {place code: (the place the public may know, its address from the district
    down)} for ``places``, in one query: anything below a compound (grid, building,
    household) shows as its compound."""
    codes = {code for place in places for code in place.ancestor_codes()}
    above = {p.code: p for p in Place.objects.filter(code__in=codes).only("code", "kind", "name")}
    result = {}
    for place in places:
        chain = [above[c] for c in place.ancestor_codes() if c in above] + [place]
        shown = next((p for p in reversed(chain) if p.kind not in BELOW_COMPOUND), chain[0])
        names = [p.name for p in chain[:chain.index(shown)] if p.kind not in ADDRESS_SKIPS]
        result[place.code] = (shown, " ".join([*names, shown.name]))
    return result


def coarse(coordinate):
    """Return a coordinate to three decimals (about 100 m): the compound, not the door."""
    return None if coordinate is None else coordinate.quantize(COARSE)


def requests(matters):
    """Return the Open311 service requests for matters loaded with with_request_facts()."""
    matters = list(matters)
    shown = public_places(list({m.place.code: m.place for m in matters}.values()))
    return [request(m, *shown[m.place.code]) for m in matters]


def request(matter, place, address):
    """Return one service request as the public may read it: the resident's words (and a
    partner's photo) only with their consent, and never the address a partner sent."""
    service = service_of(matter.category)
    extra = getattr(matter, "open311", None)
    updated = max(filter(None, [getattr(matter, "last_public_at", None), matter.created_at]))
    expected = matter.due_at if matter.stage in WORK_STAGES else None
    consented = shows_description(matter)
    return {
        "service_request_id": str(matter.pk),
        "status": open311_status(matter.status),
        "status_notes": status_notes(matter),
        "service_name": service.name,
        "service_code": str(service.pk),
        "description": public_text(matter.description, names_in(matter)) if consented else None,
        "agency_responsible": matter.owner_place.name,
        "service_notice": None,
        "requested_datetime": iso(matter.created_at),
        "updated_datetime": iso(updated),
        "expected_datetime": iso(expected),
        "address": address,
        "address_id": place.code,
        "zipcode": None,
        "lat": coarse(matter.latitude),
        "long": coarse(matter.longitude),
        "media_url": (extra.media_url or None) if extra and consented else None,
    }


def service_notice(matter):
    return _("Your matter number is %(number)s; it will be heard by %(due)s.") % {
        "number": matter.number,
        "due": timezone.localtime(matter.due_at).strftime("%Y-%m-%d %H:%M")
        if matter.due_at else "-",
    }


# --- FixMyStreet's servicerequestupdates ------------------------------------------------------


def update_events(matters, start, end):
    """Return the public timeline steps of ``matters`` between start and end, oldest first.

    The "raised" step is the request itself, not an update of it.
    """
    return (MatterEvent.objects.filter(matter__in=matters, visibility=Visibility.PUBLIC,
                                       at__gte=start, at__lte=end)
            .exclude(action="raised").select_related("matter__reporter")
            .order_by("at", "pk"))


def _status_after(events):
    """Return {event pk: the matter's status right after it}, from the status changes."""
    matter_ids = {e.matter_id for e in events}
    changes = {}
    for change in (MatterEvent.objects.filter(matter_id__in=matter_ids).exclude(to_status="")
                   .order_by("at", "pk").values("matter_id", "at", "pk", "to_status")):
        changes.setdefault(change["matter_id"], []).append(change)
    result = {}
    for event in events:
        status = Status.NEW
        for change in changes.get(event.matter_id, []):
            if (change["at"], change["pk"]) > (event.at, event.pk):
                break
            status = change["to_status"]
        result[event.pk] = status
    return result


def describe(event):
    view = timeline.present(event)
    # Labels and summaries may be lazy translations: join them as text.
    parts = [str(view.summary)] if view.summary and event.action not in LABEL_ONLY else []
    if event.action in PUBLIC_NOTES and event.note:
        parts.append(str(event.note))
    text = str(view.label)
    if parts:
        text = _("%(step)s: %(detail)s") % {"step": view.label, "detail": " ".join(parts)}
    return public_text(text, names_in(event.matter))


def updates(events):
    events = list(events)
    status_after = _status_after(events)
    return [{
        "update_id": str(event.pk),
        "service_request_id": str(event.matter_id),
        "status": open311_status(status_after[event.pk]),
        "external_status_code": str(status_after[event.pk]),
        "updated_datetime": iso(event.at),
        "description": describe(event),
        "media_url": None,
    } for event in events]
