from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.kernel.querysets import ScopedQuerySet
from tongxin.notices.choices import NoticeKind


class NoticeQuerySet(ScopedQuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    """One message in a person's in-app inbox; also sent by e-mail where they have one."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    params = models.JSONField(default=dict)
    matter = models.ForeignKey("matters.Matter", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="notices")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NoticeQuerySet.as_manager()
    scope_everything = False

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_inbox")]

    def __str__(self):
        return self.text

    @classmethod
    def scope_q(cls, scope, action="view"):
        """The notices addressed to the user: nobody reads another's inbox, not even
        a superuser."""
        return None if scope.person_id is None else models.Q(recipient_id=scope.person_id)

    @property
    def text(self):
        """Return the message in the active language."""
        from django.utils.translation import gettext

        template = gettext(str(NoticeKind(self.kind).label))
        params = dict(self.params)
        if "status" in params:
            from tongxin.matters.choices import Status

            params["status"] = Status(params["status"]).label
        return template % params
