from django.db import models
from django.utils.translation import gettext_lazy as _

from tongxin.deadlines.choices import Kind, Stage, Unit
from tongxin.places.choices import Level


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


class Outcome(models.TextChoices):
    MET = "met", _("Met")  # the stage's goal was reached (in time or late: compare met_at)
    # The next deadline replaced it before its goal was reached: an escalation restarts
    # handling at the new level; whistling replaces handling by the departments' answer.
    SUPERSEDED = "superseded", _("Superseded")
    DROPPED = "dropped", _("Dropped")  # the stage ended without its goal (rejected, parked …)


class Deadline(models.Model):
    """One time limit on one record's stage: when it started, fell due, was met or missed.

    Written by every stage that has a time limit (deadlines.services.start) and never
    erased: a met, superseded or dropped deadline keeps its row, so every on-time rate
    is a count of rows (met_at <= due_at) and every overdue count a count of
    ``breached_at``. The scan (``tongxin check-deadlines``) stamps ``breached_at`` once
    and tells the owning app through the registry.
    """

    subject_type = models.CharField(_("subject type"), max_length=64)  # "app_label.model"
    subject_id = models.CharField(_("subject id"), max_length=64)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    district = models.ForeignKey("places.Place", verbose_name=_("district"),
                                 on_delete=models.PROTECT, related_name="+")
    # Where the subject is and who must meet the deadline, as place codes for scoping.
    place_code = models.CharField(_("place code"), max_length=32, blank=True)
    owner_code = models.CharField(_("owner code"), max_length=32, blank=True)
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="deadline_subject"),
            # The scan: open deadlines by due time.
            models.Index(fields=["ended_at", "breached_at", "due_at"], name="deadline_scan"),
            models.Index(fields=["stage", "owner_code"], name="deadline_ledger"),
        ]

    def __str__(self):
        return f"{self.subject_type}:{self.subject_id} {self.stage} {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self):
        return self.ended_at is None

    @property
    def met_in_time(self):
        return self.met_at is not None and self.met_at <= self.due_at
