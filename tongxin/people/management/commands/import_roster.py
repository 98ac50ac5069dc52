"""``tongxin import-roster FILE.xlsx``: import a roster as the system (docs/roster.md)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from tongxin.kernel.errors import ServiceError
from tongxin.people import roster
from tongxin.places.choices import PlaceKind
from tongxin.places.models import Place


class Command(BaseCommand):
    help = "Import places, households and residents from an Excel roster, all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="the roster, an .xlsx file")
        parser.add_argument(
            "--root", metavar="CODE",
            help="code of the district, street or community to import under "
                 "(default: the only district)",
        )
        parser.add_argument(
            "--language", default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="language of the messages (default: %(default)s)",
        )
        parser.add_argument(
            "--write-template", metavar="PATH", help="write the roster template to PATH and stop"
        )

    def handle(self, *args, **options):
        with translation.override(options["language"]):
            if options["write_template"]:
                with open(options["write_template"], "wb") as out:
                    roster.write_template(out)
                self.stdout.write(
                    _("Template written to %(path)s.") % {"path": options["write_template"]}
                )
                return
            if not options["file"]:
                raise CommandError(_("Name the roster file to import."))
            place = self._root(options["root"])
            try:
                with open(options["file"], "rb") as file_obj:
                    result = roster.import_roster(file_obj, root=place, by=None)
            except OSError as error:
                raise CommandError(error) from error
            except roster.RosterInvalid as invalid:
                self.stderr.write("\t".join([_("Row"), _("Column"), _("Error")]))
                for error in invalid.errors:
                    self.stderr.write(f"{error.row}\t{error.column}\t{error.message}")
                raise CommandError(invalid.message) from invalid
            except ServiceError as error:
                raise CommandError(error.message) from error
            for label, number in result.summary():
                self.stdout.write(f"{label}: {number}")

    def _root(self, code):
        if code:
            place = Place.objects.filter(code=code).first()
            if place is None:
                raise CommandError(_("No place has the code %(code)s.") % {"code": code})
            return place
        districts = list(Place.objects.of_kind(PlaceKind.DISTRICT)[:2])
        if len(districts) != 1:
            raise CommandError(_("Say with --root under which district, street or community "
                                 "to import."))
        return districts[0]
