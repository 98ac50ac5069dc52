"""Load the demo district 同心区; running it again creates nothing."""

from django.core.management.base import BaseCommand

from tongxin.demo.builder import DISTRICT_CODE, build_demo_district


class Command(BaseCommand):
    help = "Load the fictional demo district 同心区 with a demo login for every role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--progress", action="store_true", help="Name each street as it is built."
        )

    def handle(self, *args, progress=False, **options):
        summary = build_demo_district(stdout=self.stdout if progress else None)
        self.stdout.write(self.style.SUCCESS(summary.line()))
        # Routing rules and a trained category suggester, so the demo shows suggestions.
        from tongxin.places.models import Place
        from tongxin.triage.demo import ensure_demo_triage

        district = Place.objects.get(code=DISTRICT_CODE)
        self.stdout.write(self.style.SUCCESS(ensure_demo_triage(district)))
