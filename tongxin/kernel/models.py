from django.db import models
from django.utils.translation import gettext_lazy as _


class PublishedEvent(models.Model):
    """One kernel event, written in the transaction that caused it (a transactional outbox).

    Subscribers are called after that transaction commits; each subscriber's work and
    its name in ``handled_by`` are committed together, so a subscriber runs once per
    event even when a worker dies half-way and the sweep (run by ``tongxin check-deadlines``)
    delivers the rest. A rolled-back transaction leaves no row, so nothing reacts to it.
    """

    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    subject_type = models.CharField(_("subject type"), max_length=64)  # "app_label.model"
    subject_id = models.CharField(_("subject id"), max_length=64)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    handled_by = models.JSONField(_("handled by"), default=list, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        verbose_name = _("published event")
        verbose_name_plural = _("published events")
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="kernel_event_subject"),
            models.Index(fields=["delivered_at", "created_at"], name="kernel_event_pending"),
        ]

    def __str__(self):
        return f"{self.kind} {self.subject_type}:{self.subject_id}"
