from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.kernel import registry
from tongxin.kernel.events import subject_label
from tongxin.kernel.querysets import ScopedQuerySet


class NoticeQuerySet(ScopedQuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def about(self, subject):
        """Return the notices about ``subject`` (any model instance)."""
        return self.filter(subject_type=subject_label(subject), subject_id=str(subject.pk))


class Notice(models.Model):
    """One message in a person's in-app inbox; also sent by e-mail where they have one.

    A notice may be about a record of any app (its ``subject``, named by its model's
    label and primary key, as kernel events name theirs); its wording is the notice
    kind's, declared by that app to the registry (``notice_kinds``).
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notices")
    kind = models.CharField(max_length=32)
    params = models.JSONField(default=dict)
    subject_type = models.CharField(max_length=64, blank=True)  # "app_label.model"
    subject_id = models.CharField(max_length=64, blank=True)
    # The subject's place (registry.subject_place_code), so that a reader restricted to
    # a place range can filter notices without knowing what their subjects are.
    place_code = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NoticeQuerySet.as_manager()
    scope_everything = False

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notice_inbox"),
            models.Index(fields=["subject_type", "subject_id"], name="notice_subject"),
        ]

    def __str__(self):
        return self.text

    @classmethod
    def scope_q(cls, scope, action="view"):
        """The notices addressed to the user: nobody reads another's inbox, not even
        a superuser."""
        return None if scope.person_id is None else models.Q(recipient_id=scope.person_id)

    @property
    def subject(self):
        """Return the record the notice is about (one query), or None if none or gone."""
        if not self.subject_type:
            return None
        model = apps.get_model(self.subject_type)
        return model._default_manager.filter(pk=self.subject_id).first()

    @subject.setter
    def subject(self, obj):
        if obj is None:
            self.subject_type = self.subject_id = self.place_code = ""
            return
        self.subject_type, self.subject_id = subject_label(obj), str(obj.pk)
        self.place_code = registry.subject_place_code(obj) or ""

    @property
    def text(self):
        """Return the message in the active language.

        The kind's wording comes from the registry: a (lazy) text formatted with the
        params, or a callable that receives the params and returns the text (for a
        param that needs translating too, such as a status code shown as its label).
        A kind no app declares any more reads as its code.
        """
        wording = registry.notice_kinds().get(self.kind)
        if wording is None:
            return self.kind
        if callable(wording):
            return str(wording(dict(self.params)))
        return str(wording) % self.params
