"""Print the demo logins: role, user name, password, where they work."""

import unicodedata

from django.core.management.base import BaseCommand

from tongxin.demo.logins import DEMO_BIND, DEMO_LOGINS, DEMO_PASSWORD, demo_url
from tongxin.people.models import RoleAssignment


def _width(text):
    """Return the width of ``text`` in a terminal, where CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text, width):
    return text + " " * (width - _width(text))


def where(login):
    """Return where the login holds its demo role, e.g. 红旗社区 幸福里小区 (物业公司)."""
    assignment = (
        RoleAssignment.objects.filter(person__username=login.username, role=login.role)
        .select_related("place", "organisation")
        .first()
    )
    if assignment is None:
        return "（未加载：先运行 load_demo）"
    text = assignment.place.full_name
    if assignment.organisation is not None:
        text += " · " + assignment.organisation.name
    return text


class Command(BaseCommand):
    help = "Print a demo login for every role (run load_demo first)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=DEMO_BIND,
                            help="host:port the demo is served on (make demo passes its own)")

    def handle(self, *args, **options):
        rows = [("角色", "用户名", "密码", "岗位")]
        rows += [
            (login.title, login.username, DEMO_PASSWORD, where(login)) for login in DEMO_LOGINS
        ]
        widths = [max(_width(row[i]) for row in rows) for i in range(4)]
        self.stdout.write("同心 Tongxin demo: %s" % demo_url(options["bind"]))
        for index, row in enumerate(rows):
            cells = [_pad(cell, width) for cell, width in zip(row, widths, strict=True)]
            self.stdout.write("  ".join(cells).rstrip())
            if index == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
        self.stdout.write("")
        for login in DEMO_LOGINS:
            self.stdout.write("%-9s %s" % (login.username, login.try_this))
