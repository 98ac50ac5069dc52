from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.deadlines.choices import Stage, Unit
from tongxin.matters.choices import Kind, Level


class DeadlineRule(models.Model):
    """How long a stage may take, for a district; the most specific matching rule wins.

    Blank kind, level or category match anything; ``emergency`` rules apply only to
    emergencies. The district's rules compete with ``deadlines.policy.DEFAULTS``: the
    most specific wins, the district's own on equal terms (see deadlines.policy).
    """

    district = models.ForeignKey("places.Place", verbose_name=_("district"),
                                 on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, blank=True)
    category = models.ForeignKey("matters.Category", verbose_name=_("category"), null=True,
                                 blank=True, on_delete=models.CASCADE, related_name="+")
    emergency = models.BooleanField(_("emergencies only"), default=False)
    amount = models.PositiveIntegerField(_("amount"))
    unit = models.CharField(_("unit"), max_length=14, choices=Unit.choices)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["district", "stage", "kind", "level"]

    def __str__(self):
        return f"{self.get_stage_display()} {self.amount} {self.get_unit_display()}"


class CalendarDay(models.Model):
    """A day that is not what its weekday says: a public holiday, or a make-up working day (调休)."""

    district = models.ForeignKey("places.Place", verbose_name=_("district"),
                                 on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["district", "date"], name="calendar_day_once"),
        ]

    def __str__(self):
        return f"{self.date} {self.name}"


class DistrictSettings(models.Model):
    """Switches a district sets for its own matters."""

    district = models.OneToOneField("places.Place", on_delete=models.CASCADE, related_name="+")
    auto_escalate = models.BooleanField(
        _("escalate automatically when a deadline passes"), default=False
    )
    deliberation_day = models.PositiveSmallIntegerField(
        _("monthly deliberation day"), default=10,
        help_text=_("Day of the month of the party-and-masses deliberation day (seed 004: the 10th)."),
    )

    class Meta:
        verbose_name = _("district settings")
        verbose_name_plural = _("district settings")

    def __str__(self):
        return str(self.district)
