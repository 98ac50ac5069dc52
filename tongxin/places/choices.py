from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PlaceKind(models.TextChoices):
    """The levels of the place tree (DOMAIN.md §1), top to bottom."""

    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street / town")
    COMMUNITY = "community", _("Community")
    COMPOUND = "compound", _("Compound")
    GRID = "grid", pgettext_lazy("place kind", "Grid")
    BUILDING = "building", _("Building")
    HOUSEHOLD = "household", _("Household")


# Which kinds may stand directly under which. A grid may hold one more level of
# grids (seed 003: first- and second-level grids); places.services enforces depth.
ALLOWED_PARENTS = {
    PlaceKind.PROVINCE: {None},
    PlaceKind.CITY: {None, PlaceKind.PROVINCE},
    PlaceKind.DISTRICT: {None, PlaceKind.CITY},
    PlaceKind.STREET: {PlaceKind.DISTRICT},
    PlaceKind.COMMUNITY: {PlaceKind.STREET},
    PlaceKind.COMPOUND: {PlaceKind.COMMUNITY},
    PlaceKind.GRID: {PlaceKind.COMPOUND, PlaceKind.GRID},
    PlaceKind.BUILDING: {PlaceKind.GRID},
    PlaceKind.HOUSEHOLD: {PlaceKind.BUILDING},
}

# Digits each level adds to the hierarchical code. Province, city and district
# together make the six-digit administrative division code (GB/T 2260); street,
# community and grid follow the unit-grid code of GB/T 30428.1 in spirit.
CODE_WIDTHS = {
    PlaceKind.PROVINCE: 2,
    PlaceKind.CITY: 2,
    PlaceKind.DISTRICT: 2,
    PlaceKind.STREET: 3,
    PlaceKind.COMMUNITY: 3,
    PlaceKind.COMPOUND: 3,
    PlaceKind.GRID: 2,
    PlaceKind.BUILDING: 3,
    PlaceKind.HOUSEHOLD: 4,
}
ROOT_CODE_WIDTHS = {PlaceKind.PROVINCE: 2, PlaceKind.CITY: 4, PlaceKind.DISTRICT: 6}


class Level(models.TextChoices):
    """Who owns a matter: the levels it climbs (grid → compound → community → street → district)."""

    GRID = "grid", pgettext_lazy("level", "Grid")
    COMPOUND = "compound", pgettext_lazy("level", "Compound")
    COMMUNITY = "community", pgettext_lazy("level", "Community")
    STREET = "street", pgettext_lazy("level", "Street")
    DISTRICT = "district", pgettext_lazy("level", "District")


LEVEL_ORDER = [Level.GRID, Level.COMPOUND, Level.COMMUNITY, Level.STREET, Level.DISTRICT]
