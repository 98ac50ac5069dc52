"""Reads of the deadlines app that pages share."""

from django.utils import timezone

from tongxin.deadlines import national
from tongxin.deadlines.models import CalendarDay
from tongxin.kernel.paths import subtrees_q
from tongxin.people.choices import Role
from tongxin.people.models import RoleAssignment
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place

# Who keeps a district's deadlines: the district office, and its system administrators.
CALENDAR_KEEPERS = (Role.DISTRICT_OFFICER, Role.SYSTEM_ADMIN)


def _districts_under(user, roles):
    districts = Place.objects.filter(kind=PlaceKind.DISTRICT)
    if not (user.is_authenticated and user.is_active):
        return districts.none()
    if user.is_superuser:
        return districts
    codes = list(RoleAssignment.objects.filter(person=user, role__in=roles)
                 .values_list("place__code", flat=True))
    return districts.filter(subtrees_q(codes)) if codes else districts.none()


def kept_districts(user):
    """Return the districts whose calendar ``user`` keeps (every district for a superuser)."""
    return _districts_under(user, CALENDAR_KEEPERS)


def administered_districts(user):
    """Return the districts whose deadline rules, calendar and switches ``user`` edits in
    the admin: where they hold the system administrator role (every one for a superuser)."""
    return _districts_under(user, (Role.SYSTEM_ADMIN,))


def calendar_gaps(user, today=None):
    """Return (district, year) for each year deadlines are counted in without its holidays.

    A year is covered when the national arrangement for it is installed, or when the
    district has entered its holidays for that year itself.
    """
    years = national.uncovered_years(today or timezone.localdate())
    if not years:
        return []
    districts = list(kept_districts(user).order_by("code"))
    own = set(
        CalendarDay.objects.filter(district__in=districts, date__year__in=years, is_working_day=False)
        .values_list("district_id", "date__year")
    )
    return [(district, year) for district in districts for year in years
            if (district.pk, year) not in own]
