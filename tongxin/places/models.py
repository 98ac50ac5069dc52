from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongxin.kernel.paths import subtree_q, subtrees_q
from tongxin.kernel.querysets import ScopedQuerySet
from tongxin.places.choices import PlaceKind


class PlaceQuerySet(ScopedQuerySet):
    def within(self, place_or_code, include_self=True):
        """Return the places at or below a place (materialised-path range query)."""
        code = getattr(place_or_code, "code", place_or_code)
        return self.filter(subtree_q(code, include_self=include_self))

    def of_kind(self, kind):
        return self.filter(kind=kind)


class Place(models.Model):
    """A place in the tree district → street → community → compound → grid → building → household.

    ``code`` is hierarchical (each child's code starts with its parent's) and so is
    also the materialised path: "everything under this place" is one range query.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=PlaceKind.choices)
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="place_unique_name_in_parent"),
        ]
        indexes = [models.Index(fields=["kind", "code"], name="place_kind_code")]

    def __str__(self):
        return self.name

    @classmethod
    def scope_q(cls, scope, action="view"):
        """The places under where the user's roles are held, and their own household.

        The names of the places above one's area (breadcrumbs, an address) are shown
        through ``Place.ancestors``.
        """
        own = Q(code=scope.household_code) if scope.household_code else Q(pk__in=[])
        return subtrees_q(scope.place_roots) | own

    def ancestor_codes(self):
        """Return every proper prefix of the code that could be an ancestor's code."""
        return [self.code[:n] for n in range(1, len(self.code))]

    def ancestors(self):
        """Return the ancestors, top first, in one query."""
        return Place.objects.filter(code__in=self.ancestor_codes()).order_by("depth")

    def descendants(self, include_self=False):
        return Place.objects.within(self, include_self=include_self)

    def is_within(self, other):
        return self.code.startswith(other.code)

    @property
    def full_name(self):
        """Return the address from the district down (grids are not part of an address)."""
        names = [p.name for p in self.ancestors() if p.kind not in ("province", "city", "grid")]
        return " ".join(names + [self.name])
