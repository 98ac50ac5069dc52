from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class KeptApartQuerySet(models.QuerySet):
    def among(self, matters):
        """Return the pairs whose two matters are both in the queryset ``matters``."""
        ids = matters.values("pk")
        return self.filter(first__in=ids, second__in=ids)


class KeptApart(models.Model):
    """Two matters a person said are not the same issue (a split group): the grouping
    never puts them together again. ``first`` is always the lower id."""

    first = models.ForeignKey("matters.Matter", on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey("matters.Matter", on_delete=models.CASCADE, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"),
                           on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    objects = KeptApartQuerySet.as_manager()

    class Meta:
        verbose_name = _("matters kept apart")
        verbose_name_plural = _("matters kept apart")
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="kept_apart_once"),
            models.CheckConstraint(condition=Q(first__lt=F("second")),
                                   name="kept_apart_ordered"),
        ]

    def __str__(self):
        return f"{self.first_id} ≠ {self.second_id}"
