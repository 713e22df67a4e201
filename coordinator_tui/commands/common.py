"""What the headless commands share: finding the directory and analysing it once."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.clock import Clock, frozen_clock, system_clock
from coordinator_tui.files.locate import DirectoryNotFound, resolve_directory
from coordinator_tui.history.index import HistoryIndex
from coordinator_tui.settings import Settings
from coordinator_tui.store import Store


class CommandError(Exception):
    """A failure to report in one line; ``code`` is the exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def directory(args: argparse.Namespace) -> Path:
    """The coordination directory for a command, or a usage error (exit 2)."""
    try:
        return resolve_directory(getattr(args, "dir", None))
    except DirectoryNotFound as error:
        raise CommandError(str(error), code=2) from None


def clock_of(args: argparse.Namespace) -> Clock:
    now = getattr(args, "now", None)
    return frozen_clock(now) if now is not None else system_clock


def analyse_once(root: Path, settings: Settings, clock: Clock) -> tuple[Store, Analysis]:
    store = Store(root, settings)
    store.history_index = HistoryIndex(root)
    try:
        store.scan()
    finally:
        if store.history_index is not None:
            store.history_index.close()
    return store, analyse(store.snapshot(), clock(), settings)


def fail(error: CommandError) -> int:
    print(f"coordinator-tui: {error}", file=sys.stderr)
    return error.code
