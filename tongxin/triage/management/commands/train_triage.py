"""Train the category suggester of a district (or of every district), now or in the worker.

    tongxin train-triage                     # every district with a category tree
    tongxin train-triage --district 990101
    tongxin train-triage --enqueue           # queue the training for `tongxin db_worker`

A new model is activated only when it is no worse than the one in use (training.py);
the command prints both models' figures either way.
"""

from django.core.management.base import BaseCommand, CommandError

from tongxin.matters.models import Category
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place
from tongxin.triage.tasks import train_triage_task
from tongxin.triage.training import train


def _figure(value):
    return "-" if value is None else f"{value:.3f}"


class Command(BaseCommand):
    help = "Train the category suggester on the shipped messages and the district's records."

    def add_arguments(self, parser):
        parser.add_argument("--district", metavar="CODE", help="Only this district.")
        parser.add_argument("--enqueue", action="store_true",
                            help="Queue the training for the task worker instead.")

    def handle(self, *args, district=None, enqueue=False, **options):
        districts = Place.objects.filter(kind=PlaceKind.DISTRICT).order_by("code")
        if district:
            districts = districts.filter(code=district)
            if not districts.exists():
                raise CommandError(f"No district with the code {district}.")
        else:
            with_tree = Category.objects.values("district_id")
            districts = districts.filter(pk__in=with_tree)
        if not districts.exists():
            raise CommandError("No district has a category tree to train on.")
        for place in districts:
            if enqueue:
                train_triage_task.enqueue(place.pk, reason="command")
                self.stdout.write(f"{place.code} {place.name}: training queued")
                continue
            record = train(place)
            current = record.comparison.get("current") or {}
            self.stdout.write(
                f"{place.code} {place.name}: model v{record.version} "
                f"{'activated' if record.is_active else 'not activated'} "
                f"({record.comparison.get('reason')}); {record.seconds:.1f} s; "
                f"shipped CV macro-F1 {_figure(record.cv_macro_f1)} "
                f"(current {_figure(current.get('cv_macro_f1'))}), "
                f"held-out accuracy {_figure(record.held_out_accuracy)} "
                f"(current {_figure(current.get('held_out_accuracy'))}) "
                f"on {record.held_out} records; trained on {record.district_examples} district "
                f"records ({record.corrections} corrections)")
