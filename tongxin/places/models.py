from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongxin.places.choices import PlaceKind

def upper_bound(code):
    """Return the smallest digit string above every code that starts with ``code``, or None.

    "4401" → "4402" and "4409" → "441": a code starts with the prefix exactly when it
    lies in [prefix, bound). Only digits are compared, so the range holds under any
    collation that orders 0–9 (PostgreSQL's ICU collations included), unlike a bound
    such as prefix + ":" which holds under the "C" collation only. A prefix of nines
    has no bound: every digit string at or above it starts with it.
    """
    stripped = code.rstrip("9")
    if not stripped:
        return None
    return stripped[:-1] + str(int(stripped[-1]) + 1)


def subtree_q(code, field="code", include_self=True):
    """Return a Q matching codes at or below ``code`` in ``field`` (a B-tree range scan)."""
    query = Q(**{f"{field}__gte" if include_self else f"{field}__gt": code})
    bound = upper_bound(code)
    if bound is not None:
        query &= Q(**{f"{field}__lt": bound})
    return query


def subtrees_q(codes, field="code"):
    """Return a Q matching codes under any of ``codes`` (nothing if there are none)."""
    query = Q(pk__in=[])
    for code in codes:
        query |= subtree_q(code, field)
    return query


def minimal_roots(codes):
    """Drop codes that lie under another code in the collection."""
    roots = []
    for code in sorted(set(codes)):
        if not roots or not code.startswith(roots[-1]):
            roots.append(code)
    return roots


class PlaceQuerySet(models.QuerySet):
    def within(self, place_or_code, include_self=True):
        """Return the places at or below a place (materialised-path range query)."""
        code = getattr(place_or_code, "code", place_or_code)
        return self.filter(subtree_q(code, include_self=include_self))

    def of_kind(self, kind):
        return self.filter(kind=kind)

    def visible_to(self, user):
        """Return the places ``user`` may open: those under where their roles are held.

        A resident sees their own household. The names of the places above one's
        area (breadcrumbs, an address) are shown through ``Place.ancestors``.
        """
        from tongxin.people.scope import scope_for

        scope = scope_for(user)
        if scope.everything:
            return self.all()
        own = Q(code=scope.household_code) if scope.household_code else Q(pk__in=[])
        return self.filter(subtrees_q(scope.place_roots) | own)


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
