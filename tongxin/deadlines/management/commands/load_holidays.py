"""Load a district's holiday calendar for a year from the bundled State Council arrangement.

    tongxin load-holidays --year 2026
    tongxin load-holidays --district 990101 --file my_calendar.csv

Days already in the calendar are updated to agree with the file; days that are not
in the file (a district's own extra days) are left alone. Running it twice changes
nothing the second time.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tongxin.deadlines import services
from tongxin.kernel.errors import ServiceError
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place


class Command(BaseCommand):
    help = "Load public holidays and make-up working days (调休) into a district's calendar."

    def add_arguments(self, parser):
        parser.add_argument("--district", metavar="CODE",
                            help="The district's code (needed when there is more than one).")
        parser.add_argument("--year", type=int, help="Load the bundled calendar of this year "
                            "(default: the current year).")
        parser.add_argument("--file", help="Load this CSV (date,is_working_day,name) instead.")

    def handle(self, *args, district=None, year=None, file=None, **options):
        place = self.district(district)
        try:
            path = file or services.bundled_calendar(year or timezone.localdate().year)
            rows = services.read_calendar(path)
            counts = services.load_calendar(place, rows)
        except (ServiceError, OSError) as error:
            raise CommandError(getattr(error, "message", None) or str(error)) from None
        self.stdout.write(self.style.SUCCESS(
            "%s: %d days created, %d changed, %d already right (%s)"
            % (place.name, counts["created"], counts["updated"], counts["unchanged"], path)
        ))

    def district(self, code):
        districts = Place.objects.filter(kind=PlaceKind.DISTRICT)
        if code:
            place = districts.filter(code=code).first()
            if place is None:
                raise CommandError(f"No district has the code {code}.")
            return place
        found = list(districts[:2])
        if len(found) != 1:
            raise CommandError("Name the district with --district CODE.")
        return found[0]
