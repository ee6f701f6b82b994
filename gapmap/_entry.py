"""The ``gapmap`` console command: imports the command line, and stops cleanly on Ctrl-C even during start-up."""

from __future__ import annotations

import sys

#: Exit status of an interrupted run (128 + SIGINT), as :mod:`gapmap.cli` uses.
INTERRUPTED_EXIT = 130


def run() -> None:
    """Run ``gapmap``; a Ctrl-C while its libraries load prints one line, not a traceback."""
    try:
        from gapmap.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted while starting: nothing was done.\n")
        sys.exit(INTERRUPTED_EXIT)
    main()
