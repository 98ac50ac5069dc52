"""``tongxin revoke-api-tokens NAME…``: revoke every API token of these people (an
administrator's kill switch for a lost phone or a leaked token); ``--everyone`` revokes all."""

from django.core.management.base import BaseCommand, CommandError

from tongxin.api import tokens
from tongxin.api.models import AccessToken
from tongxin.people.auth import find_account
from tongxin.people.models import Person


class Command(BaseCommand):
    help = "Revoke the REST API tokens of the people named (user name or phone), or everyone's."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="user names or phone numbers")
        parser.add_argument("--everyone", action="store_true",
                            help="revoke every live token of every person")

    def handle(self, *args, names, everyone, **options):
        if everyone == bool(names):
            raise CommandError("Name the people whose tokens to revoke, or give --everyone.")
        if everyone:
            people = Person.objects.filter(
                pk__in=AccessToken.objects.filter(revoked_at__isnull=True).values("person_id"))
        else:
            people = []
            for name in names:
                person = find_account(name)
                if person is None:
                    raise CommandError(f"Nobody signs in as {name!r}.")
                people.append(person)
        total = sum(tokens.revoke_tokens(person, reason="administrator") for person in people)
        self.stdout.write(f"{total} token(s) revoked.")
