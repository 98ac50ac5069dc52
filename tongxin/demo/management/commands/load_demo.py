"""Load the demo district 同心区; running it again creates nothing."""

from django.core.management.base import BaseCommand

from tongxin.demo.builder import DISTRICT_CODE, build_demo_district, run_seeds
from tongxin.places.models import Place


class Command(BaseCommand):
    help = "Load the fictional demo district 同心区 with a demo login for every role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--progress", action="store_true", help="Name each street as it is built."
        )

    def handle(self, *args, progress=False, **options):
        stdout = self.stdout if progress else None
        summary = build_demo_district(stdout=stdout)
        self.stdout.write(self.style.SUCCESS(summary.line()))
        # The extra seeds, once the district is committed: routing rules and a trained
        # category suggester (triage), so the demo shows suggestions.
        district = Place.objects.get(code=DISTRICT_CODE)
        _changed, lines = run_seeds(district, extra=True, stdout=stdout)
        for line in lines:
            self.stdout.write(self.style.SUCCESS(line))
