"""What the headless commands share: finding the directory and analysing it once."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from coordinator_tui.agents import receipts
from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.analysis.acting.act import Acting, act
from coordinator_tui.analysis.receipts import hook_driven
from coordinator_tui.clock import Clock, frozen_clock, system_clock
from coordinator_tui.files.locate import DirectoryNotFound, resolve_directory
from coordinator_tui.render.sanitize import display
from coordinator_tui.settings import Settings
from coordinator_tui.store import Store
from coordinator_tui.write.acting_state import duplicate_counts
from coordinator_tui.write.trend_log import TrendLog, TrendLogError
from coordinator_tui.write.usage_state import keep_summary, usage_once


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
    store = Store(root, settings, one_shot=True)
    store.scan()
    return store, analyse(store.snapshot(), clock(), settings)


def fail(error: CommandError) -> int:
    print(f"coordinator-tui: {error}", file=sys.stderr)
    return error.code


def acting_of(root: Path, analysis: Analysis, settings: Settings) -> tuple[Acting, str | None]:
    """What the coordinator decides (``act``), with the history, what ``run`` counted and
    the sessions' usage; and why the history or ``run``'s state could not be read (None:
    all read)."""
    problems = []
    try:
        samples = TrendLog(root, settings.history_limit).load()
    except TrendLogError as error:
        samples = []
        problems.append(f"history not read, forecasts without it: {error.describe(root)}")
    counts, problem = duplicate_counts(root)
    if problem is not None:
        problems.append(f"run's acting state: {problem}")
    book = receipts.book(str(root), hook_driven(analysis.sessions))
    acting = act(analysis, samples, counts, usage_once(root, analysis), book)
    keep_summary(root, analysis, acting.costs)
    return acting, "; ".join(problems) or None


def no_terminal() -> str | None:
    """Why the dashboard cannot start here (stdin or stdout is not a terminal), or None.

    Started with its output in a file or a pipe it would write escape codes there
    and wait for keys that never come; one line and exit 2 is what a user needs.
    Textual's web driver (``serve``: textual-serve sets ``TEXTUAL_DRIVER``) talks over
    pipes on purpose, so a driver chosen that way is trusted."""
    if os.environ.get("TEXTUAL_DRIVER", "").endswith(":WebDriver"):
        return None
    streams = {"standard input": sys.stdin, "standard output": sys.stdout}
    for name, stream in streams.items():
        if stream is None or not stream.isatty():
            return (
                f"coordinator-tui: the dashboard needs a terminal and {name} is not one; "
                "'coordinator-tui status' prints the state as text"
            )
    return None


def os_error_text(error: OSError) -> str:
    """``PATH: reason`` for a refused write, naming the folder or file the user gave.

    The writers name the folder (never their hidden temporary file); this drops the
    ``[Errno 13]`` noise. An error that words itself (a refused linked folder) keeps
    its own words."""
    if type(error).__str__ is not OSError.__str__:
        return display(str(error))
    reason = error.strerror or str(error)
    if error.filename is None:
        return display(reason)
    return f"{display(str(error.filename))}: {display(reason)}"
