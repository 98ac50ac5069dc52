"""What the platform services learn of matters: how to point at one (its page, its place,
its title) and the webhook events partner systems may subscribe to, with their payload.

Declared to the kernel registry in manifest.py; the notices and webhooks apps read them
there and import nothing from matters.
"""

from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tongxin.kernel.registry import Subject, WebhookEvent
from tongxin.matters.models import Matter


def matter_path(matter):
    """Return the path of a matter's page (the same link for every reader, as ever)."""
    return reverse("matters:detail", args=[matter.pk])


def matter_url(matter):
    """Return the staff page of a matter, absolute when TONGXIN_SITE_URL is set."""
    site = getattr(settings, "TONGXIN_SITE_URL", "").rstrip("/")
    return site + matter_path(matter)


def _iso(dt):
    return timezone.localtime(dt).isoformat() if dt else None


def matter_payload(matter):
    """Return what a partner learns of a matter: no reporter, no name, no phone."""
    return {
        "id": matter.pk,
        "number": matter.number,
        "title": matter.title,
        "status": str(matter.status),
        "category": matter.category.name,
        "place_code": matter.place_code,
        "owner_level": str(matter.owner_level),
        "due_at": _iso(matter.due_at),
        "satisfaction": str(matter.satisfaction) or None,
        "url": matter_url(matter),
    }


def webhook_payload(event):
    """Return the body's ``matter`` part for a kernel event about a matter (None if the
    matter is gone: nothing is sent). The state is the one the step left, from the
    event's payload, so a delivery the sweep makes late still tells of that step."""
    matter = Matter.objects.select_related("category").filter(pk=event.subject_id).first()
    if matter is None:
        return None
    body = matter_payload(matter)
    step = event.payload
    if "status" in step:
        due = step.get("due_at")
        body |= {"status": step["status"],
                 "owner_level": step.get("owner_level", body["owner_level"]),
                 "due_at": _iso(datetime.fromisoformat(due)) if due else None,
                 "satisfaction": step.get("satisfaction") or None}
    return {"matter": body}


SUBJECTS = {
    "matters.matter": Subject(
        url=matter_path,
        place_code=lambda matter: matter.place_code,
        title=lambda matter: f"{gettext('Matter')} {matter.number}",
        link_text=_("Open the matter"),
    ),
}

# Which timeline actions (MatterEvent.action, published as "matters.<action>") partners
# hear of, under which name. Actions not listed here are not sent to partner systems.
WEBHOOK_EVENTS = [
    WebhookEvent("matter.created", _("Matter raised"), ("matters.raised",), webhook_payload),
    WebhookEvent(
        "matter.assigned", _("Matter assigned (triaged, escalated, whistled, reopened)"),
        ("matters.triaged", "matters.escalated", "matters.whistled", "matters.reopened"),
        webhook_payload,
    ),
    WebhookEvent("matter.resolved", _("Matter resolved"), ("matters.resolved",),
                 webhook_payload),
    WebhookEvent("matter.rated", _("Matter rated"), ("matters.rated",), webhook_payload),
]
