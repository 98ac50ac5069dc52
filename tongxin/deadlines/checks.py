"""A deployment check: tell when the national holiday arrangement of a year in use is missing.

An Info, not a Warning, so that `check --deploy --fail-level WARNING` does not stop a
deployment for it; the district office is warned in the app (selectors.calendar_gaps)."""

from django.core import checks
from django.utils import timezone

from tongxin.deadlines import national


@checks.register(checks.Tags.compatibility)
def holiday_arrangement_installed(app_configs=None, **kwargs):
    return [
        checks.Info(
            f"The national holiday arrangement for {year} is not installed: deadlines in {year} "
            "count Monday to Friday as working days.",
            hint="Update the chinesecalendar package (make lock), or enter the district's "
                 "holidays for that year as calendar days in the admin.",
            id="deadlines.I001",
        )
        for year in national.uncovered_years(timezone.localdate())
    ]
