"""``tongxin backup [--output PATH]``: write a restorable archive of the database and uploads."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from tongxin.backups.archive import write_backup


class Command(BaseCommand):
    help = "Write a consistent, portable backup (database rows and uploaded files) to a .tar.gz."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="Archive path (default: var/backups/"
                            "tongxin-YYYYMMDD-HHMMSS.tar.gz).")

    def handle(self, *args, output=None, **options):
        if not output:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            output = Path(settings.VAR_DIR) / "backups" / f"tongxin-{stamp}.tar.gz"
        output = Path(output).resolve()
        manifest = write_backup(output)
        rows = sum(manifest["counts"].values())
        self.stdout.write(str(output))
        self.stdout.write(f"{rows} records in {sum(1 for n in manifest['counts'].values() if n)} "
                          f"tables, {len(manifest['media'])} media files, "
                          f"{output.stat().st_size} bytes")
        if options["verbosity"] > 1:
            for label, n in manifest["counts"].items():
                if n:
                    self.stdout.write(f"  {label}: {n}")
