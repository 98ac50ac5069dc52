"""``tongxin superuser grant|revoke NAME``: make someone the site-wide superuser, or stop.

The superuser sees every district and reaches the admin site; no role makes one (a
system administrator administers the district where the role is held). Each grant and
revocation, and each change the superuser makes in the admin, goes to the audit log.
"""

from django.core.management.base import BaseCommand, CommandError

from tongxin.kernel.errors import ServiceError
from tongxin.people import services
from tongxin.people.auth import find_account
from tongxin.people.models import Person


class Command(BaseCommand):
    help = "Grant or revoke the site-wide superuser (audited); list superusers with 'list'."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["grant", "revoke", "list"])
        parser.add_argument("name", nargs="?", help="user name or phone number")
        parser.add_argument("--reason", default="", help="why (kept in the audit log)")

    def handle(self, *args, action, name, reason, **options):
        if action == "list":
            for person in Person.objects.filter(is_superuser=True).order_by("pk"):
                self.stdout.write(f"{person.pk}\t{person.username or person.phone}\t"
                                  f"{person.full_name}")
            return
        person = find_account(name) if name else None
        if person is None:
            raise CommandError(f"Nobody signs in as {name!r}.")
        change = services.grant_superuser if action == "grant" else services.revoke_superuser
        try:
            change(person, reason=reason or "command")
        except ServiceError as error:
            raise CommandError(" ".join(error.messages)) from None
        state = "is" if action == "grant" else "is no longer"
        self.stdout.write(f"{person.username or person.phone} {state} a superuser.")
