"""``tongxin restore PATH [--force]``: bring a backup back, then verify it against its manifest."""

import tempfile
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tongxin.backups.archive import (
    add_missing_regenerated_rows,
    check_migrations,
    check_rows,
    count_mismatches,
    empty_database,
    holds_data,
    load_rows,
    media_root,
    read_archive,
    restore_media,
)


class Command(BaseCommand):
    help = ("Restore a backup made by `tongxin backup`: check the whole archive, migrate, "
            "replace every row in one transaction, put back the uploaded files and verify "
            "counts and checksums. A refused or interrupted restore changes no row.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="The .tar.gz written by `tongxin backup`.")
        parser.add_argument("--force", action="store_true",
                            help="Restore even if the database holds data (its rows are "
                                 "replaced in the same transaction as the load).")

    def handle(self, *args, path, force=False, **options):
        verbosity = options["verbosity"]
        root = media_root()
        with tempfile.TemporaryDirectory(prefix="tongxin-restore-") as tmp:
            # Everything that can refuse the archive runs before anything is written.
            manifest = read_archive(path, tmp)
            check_migrations(manifest)
            check_rows(manifest, Path(tmp) / "data.jsonl")
            call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
            present = holds_data()
            if present and not force:
                sample = ", ".join(f"{label} ({n})" for label, n in list(present.items())[:3])
                raise CommandError(
                    f"The database already holds data ({sample}, …); refusing to restore "
                    "over it. Use --force to replace it.")
            # Uploads are content-addressed, so writing them first changes no file the
            # live rows use, and the rows committed below find every file they name.
            damaged = restore_media(manifest, tmp, root)
            if damaged:
                raise CommandError(f"{len(damaged)} media file(s) failed verification after "
                                   f"restore, e.g. {damaged[0]}; no row was changed")
            # One transaction: emptying the tables is undone if loading fails or is killed.
            with transaction.atomic():
                empty_database()
                load_rows(Path(tmp) / "data.jsonl", verbosity=max(verbosity - 1, 0))
                wrong = count_mismatches(manifest["counts"])
                if wrong:
                    raise CommandError("Restored record counts differ from the backup, "
                                       "nothing was changed: " + "; ".join(wrong[:10]))
                add_missing_regenerated_rows()
        rows = sum(manifest["counts"].values())
        self.stdout.write(f"Restored {rows} records and {len(manifest['media'])} media files "
                          f"from {path} (made {manifest['created_at']}); counts and "
                          "checksums verified.")
