"""``coordinator-tui run``: the headless coordinator loop (cron, nohup, systemd).

SIGINT and SIGTERM ask it to stop: the current step finishes, the loop ends
and the exit status is 0. A second signal falls back to the default action,
so a stuck step can still be interrupted.
"""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType

from coordinator_tui.commands.archive import duration
from coordinator_tui.commands.arguments import Parsers, non_negative_int, positive
from coordinator_tui.commands.common import CommandError, clock_of, directory, fail
from coordinator_tui.headless.console import LogPrinter
from coordinator_tui.headless.coordinator import Coordinator, RunOptions
from coordinator_tui.settings import Settings
from coordinator_tui.write.messages import MessageError, check_id

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def add_parser(parsers: Parsers) -> None:
    parser = parsers.add("run", "The headless coordinator: analyse, alert and report in a loop.")
    parser.add_argument("dir", nargs="?", metavar="DIR")
    parser.add_argument("--interval", type=positive(float), default=300.0, metavar="SECONDS")
    parser.add_argument(
        "--cycles",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="stop after N cycles (0 = run until stopped)",
    )
    parser.add_argument("--log-format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--heartbeat-every",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="broadcast a coordination heartbeat every N cycles (0 = never)",
    )
    parser.add_argument(
        "--report-every",
        type=non_negative_int,
        default=10,
        metavar="N",
        help="write a sprint report every N cycles (0 = never)",
    )
    parser.add_argument("--dry-run", action="store_true", help="analyse and log, write nothing")
    parser.add_argument("--from", dest="sender", default="coordinator", metavar="ID")
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
    options = RunOptions(
        heartbeat_every=args.heartbeat_every,
        report_every=args.report_every,
        dry_run=args.dry_run,
        sender=args.sender,
        archive_older_than_s=args.archive_older_than,
    )
    stop = threading.Event()
    coordinator = Coordinator(root, settings, clock_of(args), options, LogPrinter(args.log_format))
    previous = _install_handlers(stop)
    try:
        coordinator.run(args.cycles, args.interval, stop.is_set, stop.wait)
    except BrokenPipeError:
        return 0  # the reader of our log went away (``| head``): nothing left to say
    finally:
        _restore_handlers(previous)
    return 0


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
