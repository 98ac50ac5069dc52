from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongxin.kernel.paths import subtrees_q
from tongxin.kernel.querysets import ScopedQuerySet
from tongxin.orgs.choices import OrgKind


class OrganisationQuerySet(ScopedQuerySet):
    pass


class Organisation(models.Model):
    """A party organisation, department, partner unit, company or committee at a place."""

    kind = models.CharField(_("kind"), max_length=32, choices=OrgKind.choices)
    name = models.CharField(_("name"), max_length=120)
    place = models.ForeignKey(
        "places.Place", verbose_name=_("place"), on_delete=models.PROTECT,
        related_name="organisations",
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["place__code", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["place", "kind", "name"], name="org_unique_at_place"),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def scope_q(cls, scope, action="view"):
        """Organisations attached to places the user sees (or above them), and their own."""
        return (subtrees_q(scope.place_roots, "place__code")
                | Q(place__code__in=scope.place_ancestors) | Q(pk__in=scope.organisation_ids))
