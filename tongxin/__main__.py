"""Run Django management commands as ``python -m tongxin`` or ``tongxin``.

Commands may be written with hyphens (``tongxin import-roster FILE.xlsx``): the
hyphens are turned into the underscores of Django's command module names.
"""

import os
import sys


def main(argv=None):
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    argv[0] = "tongxin"
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
