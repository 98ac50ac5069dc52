"""``tongxin hot_issues [--top N] [--xlsx PATH]``: the reference hot issues of the shipped
messages_with_votes data set, printed as a table and optionally written to Excel."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from tongxin.hotspots import exports, reference


class Command(BaseCommand):
    help = "Print the hot issues of the shipped messages_with_votes data set (and write .xlsx)."

    def add_arguments(self, parser):
        parser.add_argument("--top", type=int, default=reference.TOP,
                            help="how many issues (default: %(default)s)")
        parser.add_argument("--xlsx", metavar="PATH", help="also write the table to PATH")
        parser.add_argument("--refresh", action="store_true",
                            help="recompute instead of reading the cached table")
        parser.add_argument(
            "--language", default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="language of the headers (default: %(default)s)",
        )

    def handle(self, *args, **options):
        top = options["top"]
        if not 1 <= top <= 500:
            raise CommandError("--top must be between 1 and 500")
        with translation.override(options["language"]):
            started = time.perf_counter()
            if options["refresh"]:
                reference.forget()
            rows = reference.table(top)
            seconds = time.perf_counter() - started
            columns = [_("Rank"), _("Heat"), _("Messages"), _("Period"), _("Issue"),
                       _("Representative message")]
            self.stdout.write("\t".join(str(c) for c in columns))
            for row in rows:
                self.stdout.write("\t".join(str(v) for v in (
                    row.rank, row.heat, row.count, row.period, row.label,
                    f"{row.number} {row.title}")))
            self.stderr.write(_("%(count)d issues in %(seconds).1f s.")
                              % {"count": len(rows), "seconds": seconds})
            if options["xlsx"]:
                try:
                    with open(options["xlsx"], "wb") as out:
                        out.write(exports.reference_workbook(rows))
                except OSError as error:
                    raise CommandError(error) from error
                self.stdout.write(_("Written to %(path)s.") % {"path": options["xlsx"]})
