"""`pont`: the project's command, a thin front for its management commands.

`pont demo`, `pont audit verify`, `pont demo-otp USERNAME`, `pont up`... are
the same as `python manage.py ...`, with the embedded settings by default.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["pont", *sys.argv[1:]])


if __name__ == "__main__":
    main()
