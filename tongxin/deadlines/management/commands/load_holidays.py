"""Load a district's own calendar days from a CSV file.

    tongxin load-holidays --file our_days.csv
    tongxin load-holidays --district 990101 --file our_days.csv

The national arrangement (public holidays and make-up working days, 调休) comes from
the chinesecalendar package and needs no loading; the file holds what the district
adds on top: its own days off or working days, or a coming year's national days
before the package carries them. Days already in the calendar are updated to agree
with the file; days not in the file are left alone, so running it twice changes
nothing the second time.
"""

from django.core.management.base import BaseCommand, CommandError

from tongxin.deadlines import services
from tongxin.kernel.errors import ServiceError
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place


class Command(BaseCommand):
    help = "Load a district's own days off and working days (date,is_working_day,name) from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("--district", metavar="CODE",
                            help="The district's code (needed when there is more than one).")
        parser.add_argument("--file", required=True,
                            help="The CSV file: date,is_working_day,name (lines starting with # are comments).")

    def handle(self, *args, district=None, file=None, **options):
        place = self.district(district)
        try:
            counts = services.load_calendar(place, services.read_calendar(file))
        except (ServiceError, OSError) as error:
            raise CommandError(getattr(error, "message", None) or str(error)) from None
        self.stdout.write(self.style.SUCCESS(
            "%s: %d days created, %d changed, %d already right (%s)"
            % (place.name, counts["created"], counts["updated"], counts["unchanged"], file)
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
