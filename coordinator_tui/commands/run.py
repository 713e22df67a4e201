"""``coordinator-tui run``: the headless coordinator loop (cron, nohup, systemd).

SIGINT and SIGTERM ask it to stop: the current step finishes, the loop ends
and the exit status is 0. A second signal falls back to the default action,
so a stuck step can still be interrupted.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from coordinator_tui.commands.archive import duration
from coordinator_tui.commands.arguments import Parsers, non_negative_int, positive
from coordinator_tui.commands.common import CommandError, clock_of, directory, fail
from coordinator_tui.files.fsio import UnsafeFolder
from coordinator_tui.headless.console import LogPrinter
from coordinator_tui.headless.coordinator import Coordinator, RunOptions
from coordinator_tui.headless.notify import Notifier, check_target
from coordinator_tui.render.sanitize import display
from coordinator_tui.settings import Settings
from coordinator_tui.write import run_lock
from coordinator_tui.write.messages import MessageError, check_id

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def add_parser(parsers: Parsers) -> None:
    parser = parsers.add("run", "The headless coordinator: analyse, alert and report in a loop.")
    parser.add_argument("dir", nargs="?", metavar="DIR")
    parser.add_argument(
        "--interval",
        type=positive(float),
        default=300.0,
        metavar="SECONDS",
        help="seconds from the start of one cycle to the next (default: 300)",
    )
    parser.add_argument(
        "--cycles",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="stop after N cycles (default: 0 = run until stopped)",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="text lines (coloured on a terminal) or one JSON object a line (default: text)",
    )
    parser.add_argument(
        "--heartbeat-every",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="broadcast a coordination heartbeat every N cycles (default: 0 = never)",
    )
    parser.add_argument(
        "--report-every",
        type=non_negative_int,
        default=10,
        metavar="N",
        help="write a sprint report every N cycles (default: 10; 0 = never)",
    )
    parser.add_argument("--dry-run", action="store_true", help="analyse and log, write nothing")
    parser.add_argument(
        "--from",
        dest="sender",
        default="coordinator",
        metavar="ID",
        help="the sender of the coordinator's broadcasts (default: coordinator)",
    )
    _add_acting_options(parser)


def _add_acting_options(parser: argparse.ArgumentParser) -> None:
    """What `run` does beyond alerting: resolve, escalate, archive."""
    parser.add_argument(
        "--no-resolve",
        dest="resolve",
        action="store_false",
        help="log who should yield duplicate or overlapping work, message nobody",
    )
    parser.add_argument(
        "--notify",
        action="append",
        default=[],
        metavar="URL",
        help="escalate stuck work here: an http(s) webhook (JSON POST), an Apprise URL "
        "(the 'notify' extra) or 'desktop'; repeatable",
    )
    parser.add_argument(
        "--archive-older-than",
        type=duration,
        default=0.0,
        metavar="AGE",
        help="archive heartbeat events and messages older than AGE (7d) once an hour",
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    try:
        root = directory(args)
        check_id(args.sender, "--from")
    except CommandError as error:
        return fail(error)
    except MessageError as error:
        return fail(CommandError(str(error), code=2))
    for target in args.notify:
        problem = check_target(target)
        if problem is not None:
            return fail(CommandError(f"--notify {display(problem, 300)}", code=2))
    options = RunOptions(
        resolve=args.resolve,
        notify=tuple(args.notify),
        heartbeat_every=args.heartbeat_every,
        report_every=args.report_every,
        dry_run=args.dry_run,
        sender=args.sender,
        archive_older_than_s=args.archive_older_than,
    )
    try:
        lock = None if options.dry_run else _lock(root)
    except CommandError as error:
        return fail(error)
    stop = threading.Event()
    coordinator = Coordinator(root, settings, clock_of(args), options, LogPrinter(args.log_format))
    previous = _install_handlers(stop)
    notices = _approval_notices(root, options.notify, stop)
    try:
        coordinator.run(args.cycles, args.interval, stop.is_set, stop.wait)
    except BrokenPipeError:
        return 0  # the reader of our log went away (``| head``): nothing left to say
    finally:
        stop.set()
        if notices is not None:
            notices.close(timeout=2.0)
        _restore_handlers(previous)
        if lock is not None:
            lock.release()
    return 0


def _approval_notices(
    root: Path, targets: tuple[str, ...], stop: threading.Event
) -> Notifier | None:
    """``--notify``: a notification per new permission request of ``root``, from a thread
    of its own (``headless.approval_notices``); the notifier, to close at the end."""
    if not targets:
        return None
    from coordinator_tui.approvals.inbox import Inbox
    from coordinator_tui.approvals.state import StateError
    from coordinator_tui.headless.approval_notices import ApprovalNotices

    try:
        inbox = Inbox([str(root)])
    except StateError as error:
        print(f"coordinator-tui: warning: no approval notifications: {error}", file=sys.stderr)
        return None
    notifier = Notifier(targets)
    ApprovalNotices(inbox, notifier).start(stop)
    return notifier


def _lock(root: Path) -> run_lock.RunLock | None:
    """One coordinator per directory (``--dry-run`` writes nothing, so it takes none).

    Held elsewhere: exit 2 naming the holder's pid. A ``.coordinator`` that is a link:
    exit 2 (nothing may be written through it). Any other failure to make the lock
    file (a read-only directory) is said on stderr and the loop runs without it: its
    writes would fail and be logged the same way.
    """
    try:
        return run_lock.acquire(root)
    except run_lock.RunLocked as locked:
        raise CommandError(f"{locked}; stop it first (lock: {_lock_name(root)})", code=2) from None
    except UnsafeFolder as error:
        raise CommandError(str(error), code=2) from None
    except OSError as error:
        why = error.strerror or str(error)
        print(
            f"coordinator-tui: warning: could not take {_lock_name(root)} ({why}); "
            "running without the one-coordinator lock",
            file=sys.stderr,
        )
        return None


def _lock_name(root: Path) -> str:
    return display(str(root / run_lock.PRIVATE_FOLDER / run_lock.LOCK_FILE), 200)


def _install_handlers(stop: threading.Event) -> dict[int, object]:
    """Make SIGINT/SIGTERM set ``stop``; only possible from the main thread."""
    previous: dict[int, object] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()
        for number in _SIGNALS:
            signal.signal(
                number, signal.SIG_DFL if number == signal.SIGTERM else signal.default_int_handler
            )

    for number in _SIGNALS:
        previous[number] = signal.signal(number, request_stop)
    return previous


def _restore_handlers(previous: dict[int, object]) -> None:
    for number, handler in previous.items():
        signal.signal(number, handler)  # type: ignore[arg-type]
