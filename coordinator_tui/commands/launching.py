"""What ``start`` and ``stop`` share: the directory, the clock, a failure in one line.

Kept apart from ``commands.common``, which loads the whole analysis: these two commands
read one session and run tmux and git, and the session should show ``starting`` well
within a second of pressing enter.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from coordinator_tui.files.locate import DirectoryNotFound, resolve_directory


class Refused(Exception):
    """Said in one line on stderr; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def root_of(args: argparse.Namespace) -> Path:
    try:
        return resolve_directory(getattr(args, "dir", None))
    except DirectoryNotFound as error:
        raise Refused(str(error), code=2) from None


def now_of(args: argparse.Namespace) -> datetime:
    moment = getattr(args, "now", None)
    return moment if isinstance(moment, datetime) else datetime.now(timezone.utc)


def refuse(error: Refused) -> int:
    print(f"coordinator-tui: {error}", file=sys.stderr)
    return error.code
