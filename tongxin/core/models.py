from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """An append-only record of one state change: who did what to which record, when.

    Services write one for every change (places, people, roles, imports …); the
    matter timeline keeps its own richer events. ``place_code`` scopes the event so
    that audit pages go through the same place ranges as everything else.
    """

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    action = models.CharField(_("action"), max_length=64)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField(max_length=64)
    subject = GenericForeignKey("subject_type", "subject_id")
    place_code = models.CharField(_("place code"), max_length=32, blank=True, db_index=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="event_subject")]

    def __str__(self):
        return f"{self.action} {self.subject_type_id}:{self.subject_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("events are append-only")
        super().save(*args, **kwargs)


def record_event(action, subject, *, actor=None, place=None, **data):
    """Append an event for ``subject``; call inside the service's transaction."""
    return Event.objects.create(
        action=action,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=str(subject.pk),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        place_code=getattr(place, "code", "") or "",
        data=data,
    )


class RateCounter(models.Model):
    """How often one client did one limited thing in one fixed time window (ratelimit.py).

    Kept in the database, not a per-process cache, so the limit holds across every
    gunicorn worker and needs no extra server.
    """

    key = models.CharField(max_length=160)
    window = models.BigIntegerField()  # the window's start, in seconds since the epoch
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="rate_counter_once")]

    def __str__(self):
        return f"{self.key}@{self.window}: {self.count}"
