from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tongxin.matters.choices import Level


class TriageModelQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


def model_path(record, filename):
    # Content-addressed and never rewritten, like photos: backups copy it as it is.
    return f"triage/models/{record.sha256}.joblib"


class TriageModel(models.Model):
    """One trained category suggester of a district, its scores, and whether it is in use.

    The fitted model is a file in the default storage (MEDIA_ROOT), so backups carry
    it; ``sha256`` is checked before it is loaded.
    """

    district = models.ForeignKey(
        "places.Place", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(_("version"))
    trained_at = models.DateTimeField(_("trained at"), default=timezone.now)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("trained by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    file = models.FileField(_("model file"), upload_to=model_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    libraries = models.JSONField(_("library versions"), default=dict, blank=True)
    shipped_examples = models.PositiveIntegerField(_("shipped messages"), default=0)
    district_examples = models.PositiveIntegerField(_("district records"), default=0)
    corrections = models.PositiveIntegerField(_("corrections"), default=0)
    held_out = models.PositiveIntegerField(_("held-out district records"), default=0)
    cv_macro_f1 = models.FloatField(_("cross-validated macro-F1"), null=True, blank=True)
    cv_top3 = models.FloatField(_("cross-validated top-3 accuracy"), null=True, blank=True)
    held_out_accuracy = models.FloatField(_("held-out accuracy"), null=True, blank=True)
    held_out_top3 = models.FloatField(_("held-out top-3 accuracy"), null=True, blank=True)
    seconds = models.FloatField(_("training time (s)"), default=0)
    is_active = models.BooleanField(_("active"), default=False)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    # Why it was (not) activated: both models' figures on the same held-out records.
    comparison = models.JSONField(_("comparison"), default=dict, blank=True)

    objects = TriageModelQuerySet.as_manager()

    class Meta:
        verbose_name = _("triage model")
        verbose_name_plural = _("triage models")
        ordering = ["district", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["district", "version"], name="triage_model_version"),
            models.UniqueConstraint(fields=["district"], condition=Q(is_active=True),
                                    name="triage_model_one_active"),
        ]

    def __str__(self):
        return f"{self.district_id} v{self.version}"


class RoutingRule(models.Model):
    """Who should handle matters of a category (and its sub-categories), optionally only
    within one place's subtree: a level of the grid chain, or a department."""

    district = models.ForeignKey(
        "places.Place", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        "matters.Category", verbose_name=_("category"), on_delete=models.PROTECT,
        related_name="routing_rules",
    )
    place = models.ForeignKey(
        "places.Place", verbose_name=_("only within"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    level = models.CharField(_("handled at level"), max_length=12, choices=Level.choices,
                             blank=True)
    department = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="routing_rules",
    )
    priority = models.SmallIntegerField(_("priority"), default=0)
    notes = models.CharField(_("notes"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["district", "category__position", "category__depth", "place__code", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level="") & Q(department__isnull=False))
                | (~Q(level="") & Q(department__isnull=True)),
                name="routing_rule_one_handler",
            ),
        ]

    def __str__(self):
        return f"{self.category} → {self.department or self.get_level_display()}"


class Suggestion(models.Model):
    """What the suggester proposed when a matter was raised: kept to measure it later."""

    matter = models.OneToOneField("matters.Matter", on_delete=models.CASCADE,
                                  related_name="triage_suggestion")
    model = models.ForeignKey(TriageModel, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    # [{"category": pk, "kind": pk, "confidence": 0.82, "level": "street", "department": pk}]
    categories = models.JSONField(default=list, blank=True)
    handler_level = models.CharField(max_length=12, choices=Level.choices, blank=True)
    handler_department = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.ForeignKey(RoutingRule, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    milliseconds = models.FloatField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("category suggestion")
        verbose_name_plural = _("category suggestions")

    def __str__(self):
        return f"{self.matter_id}: {self.categories}"
