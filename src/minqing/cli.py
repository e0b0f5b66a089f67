"""The ``minqing`` command: a thin front to the project's management commands.

    minqing migrate | serve | demo | worker | sweep | stats | import | user | …

Every sub-command is a Django management command of one of the apps, so
``minqing help`` lists them all.
"""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    argv = list(sys.argv[1:] if argv is None else argv)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["minqing", *argv])


if __name__ == "__main__":
    main()
