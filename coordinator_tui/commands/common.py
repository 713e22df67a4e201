"""What the headless commands share: finding the directory and analysing it once."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.analysis.acting.act import Acting, act
from coordinator_tui.clock import Clock, frozen_clock, system_clock
from coordinator_tui.files.locate import DirectoryNotFound, resolve_directory
from coordinator_tui.settings import Settings
from coordinator_tui.store import Store
from coordinator_tui.write.acting_state import duplicate_counts
from coordinator_tui.write.history import History, HistoryError


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
    store.scan()
    return store, analyse(store.snapshot(), clock(), settings)


def fail(error: CommandError) -> int:
    print(f"coordinator-tui: {error}", file=sys.stderr)
    return error.code


def acting_of(root: Path, analysis: Analysis, settings: Settings) -> tuple[Acting, str | None]:
    """What the coordinator decides (``act``), with the history and what ``run`` counted;
    and why the history or ``run``'s state could not be read (None: all read)."""
    problems = []
    try:
        samples = History(root, settings.history_limit).load()
    except HistoryError as error:
        samples = []
        problems.append(f"history not read, forecasts without it: {error.describe(root)}")
    counts, problem = duplicate_counts(root)
    if problem is not None:
        problems.append(f"run's acting state: {problem}")
    acting = act(analysis, samples, counts)
    return acting, "; ".join(problems) or None
