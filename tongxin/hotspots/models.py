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


class HotIssueArea(models.Model):
    """The state of the stored hot issues of one street or district (an area): when its
    groups were last computed, and since when a change waits for the next computation.

    The page reads the stored groups (``HotGroup``); ``computing.py`` writes them in the
    background, for every period the page offers."""

    place = models.OneToOneField("places.Place", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=32, unique=True)  # a copy of place.code
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    # A matter of the area changed after computed_at: the next refresh computes it again.
    dirty_at = models.DateTimeField(null=True, blank=True)
    # A refresh is queued for the task worker (debounce: one at a time).
    queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("hot-issue area")
        verbose_name_plural = _("hot-issue areas")

    def __str__(self):
        return self.code


class HotGroup(models.Model):
    """One group of an area's matters raised in the last ``days`` days, as computed at
    the area's ``computed_at``: the heat, the place and the words that name it."""

    area = models.ForeignKey(HotIssueArea, on_delete=models.CASCADE, related_name="groups")
    days = models.PositiveSmallIntegerField()
    rank = models.PositiveIntegerField()
    heat = models.FloatField()
    place = models.CharField(max_length=200, blank=True)
    terms = models.JSONField(default=list, blank=True)
    # What the page says of the whole group, which may list only its first members.
    size = models.PositiveIntegerField(default=0)
    reporters = models.PositiveIntegerField(default=0)
    supporters = models.PositiveIntegerField(default=0)
    first_at = models.DateTimeField(null=True)
    last_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("hot issue")
        verbose_name_plural = _("hot issues")
        indexes = [models.Index(fields=["area", "days", "-heat"], name="hot_group_hottest")]

    def __str__(self):
        return f"{self.area_id}/{self.days}/{self.rank}"


class HotGroupMember(models.Model):
    """A matter of a stored group, in the group's order (the representative first)."""

    group = models.ForeignKey(HotGroup, on_delete=models.CASCADE, related_name="members")
    matter = models.ForeignKey("matters.Matter", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    place_label = models.CharField(max_length=200, blank=True)  # its compound's name

    class Meta:
        ordering = ["group", "position"]

    def __str__(self):
        return f"{self.group_id}:{self.matter_id}"
