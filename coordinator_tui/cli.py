"""Command line: parsing and dispatch only; each command lives in ``commands/``.

``coordinator-tui [DIR]`` opens the dashboard; ``status``, ``report``, ``send``,
``run`` and ``demo`` are the other commands. A bad command line prints one line
and exits 2. Headless commands never import Textual.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NoReturn

from coordinator_tui import __version__
from coordinator_tui.files.timeparse import parse_timestamp
from coordinator_tui.settings import Settings, SettingsError, load_settings

COMMANDS = ("status", "report", "send", "run", "demo", "dashboard", "sync", "serve")
# Commands that register themselves (``add_parser``) and run through ``main(args, settings)``.
SELF_REGISTERED = ("sync", "serve")
EPILOG = """commands:
  coordinator-tui [DIR]            live dashboard (default)
  coordinator-tui status [DIR]     print the state once (--json for scripts)
  coordinator-tui report [DIR]     write a sprint report (SPRINT_REPORT_<date>.md)
  coordinator-tui send [DIR]       write a broadcast or direct message
  coordinator-tui run [DIR]        headless coordinator loop (cron, nohup, systemd)
  coordinator-tui demo             simulated collective + dashboard
  coordinator-tui sync [DIR]       share the directory with other machines through git
  coordinator-tui serve [DIR]      the dashboard in a web browser (extra: web)

DIR defaults to $COORDINATOR_DIR, ./docs/coordination, ./COORDINATION, or . when
it has a sessions/ folder. 'coordinator-tui COMMAND --help' for details."""


class UsageError(Exception):
    """A bad command line: one line to stderr, exit 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def _when(text: str) -> datetime:
    moment = parse_timestamp(text)
    if moment is None:
        raise argparse.ArgumentTypeError(f"not a timestamp: {text!r}")
    return moment


def _positive(kind: type) -> Any:
    def convert(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be greater than 0: {text!r}")
        return value

    return convert


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value


def _common() -> argparse.ArgumentParser:
    """Options every command takes: the clock and the analysis thresholds."""
    common = Parser(add_help=False)
    group = common.add_argument_group("analysis")
    group.add_argument("--now", type=_when, help="pretend the time is this (ISO 8601 or epoch)")
    group.add_argument(
        "--stale-after",
        type=_positive(float),
        metavar="SECONDS",
        help="heartbeat age that makes a session stale (default 600)",
    )
    group.add_argument(
        "--gone-after",
        type=_positive(float),
        metavar="SECONDS",
        help="heartbeat age that makes a session gone (default 7200)",
    )
    group.add_argument(
        "--overlap-threshold",
        type=float,
        metavar="0-1",
        help="similarity at which two works are a possible overlap (default 0.6)",
    )
    group.add_argument(
        "--max-file-bytes",
        type=_positive(int),
        metavar="BYTES",
        help="larger files are errors, not reads (default 1048576)",
    )
    return common


def _watch_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--poll",
        action="store_true",
        help="poll the directory instead of native file events (network filesystems)",
    )
    parser.add_argument(
        "--poll-ms",
        type=_positive(int),
        default=None,
        metavar="MS",
        help="polling interval in milliseconds (implies --poll; default 500)",
    )


def build_parser() -> dict[str, argparse.ArgumentParser]:
    common = _common()
    parsers: dict[str, argparse.ArgumentParser] = {}

    dashboard = Parser(
        prog="coordinator-tui",
        parents=[common],
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Watch and steer a collective of AI coding agents.",
    )
    dashboard.add_argument("dir", nargs="?", metavar="DIR", help="coordination directory")
    dashboard.add_argument(
        "--compact", action="store_true", help="force the compact layout (tmux side pane)"
    )
    _watch_options(dashboard)
    dashboard.add_argument("--version", action="version", version=f"coordinator-tui {__version__}")
    parsers["dashboard"] = dashboard

    status = Parser(
        prog="coordinator-tui status",
        parents=[common],
        description="Print the state of a coordination directory once.",
    )
    status.add_argument("dir", nargs="?", metavar="DIR")
    status.add_argument("--json", action="store_true", help="the documented JSON document")
    parsers["status"] = status

    report = Parser(
        prog="coordinator-tui report",
        parents=[common],
        description="Write a sprint report (Markdown).",
    )
    report.add_argument("dir", nargs="?", metavar="DIR")
    report.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write (default DIR/SPRINT_REPORT_<date>.md); - for stdout",
    )
    parsers["report"] = report

    send = Parser(
        prog="coordinator-tui send",
        parents=[common],
        description="Write a broadcast or a direct message (valid JSON, atomic).",
    )
    send.add_argument("dir", nargs="?", metavar="DIR")
    send.add_argument("--to", required=True, metavar="broadcast|SESSION")
    send.add_argument("--subject", required=True)
    send.add_argument("--message", default=None, help="the text (default: read standard input)")
    send.add_argument("--from", dest="sender", default="coordinator", metavar="ID")
    parsers["send"] = send

    run = Parser(
        prog="coordinator-tui run",
        parents=[common],
        description="The headless coordinator: analyse, alert and report in a loop.",
    )
    run.add_argument("dir", nargs="?", metavar="DIR")
    run.add_argument("--interval", type=_positive(float), default=300.0, metavar="SECONDS")
    run.add_argument(
        "--cycles",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="stop after N cycles (0 = run until stopped)",
    )
    run.add_argument("--log-format", choices=("text", "json"), default="text")
    run.add_argument(
        "--heartbeat-every",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="broadcast a coordination heartbeat every N cycles (0 = never)",
    )
    run.add_argument(
        "--report-every",
        type=_non_negative_int,
        default=10,
        metavar="N",
        help="write a sprint report every N cycles (0 = never)",
    )
    run.add_argument("--dry-run", action="store_true", help="analyse and log, write nothing")
    run.add_argument("--from", dest="sender", default="coordinator", metavar="ID")
    parsers["run"] = run

    demo = Parser(
        prog="coordinator-tui demo",
        parents=[common],
        description="Start a simulated collective and watch it.",
    )
    demo.add_argument("--dir", default=None, help="directory to simulate in (default: a temp dir)")
    demo.add_argument("--sessions", type=_positive(int), default=12, metavar="N")
    demo.add_argument(
        "--speed",
        type=_positive(float),
        default=1.0,
        metavar="X",
        help="simulation speed multiplier",
    )
    demo.add_argument("--seed", type=int, default=None)
    demo.add_argument(
        "--headless",
        action="store_true",
        help="run the headless coordinator instead of the dashboard",
    )
    demo.add_argument(
        "--cycles",
        type=_non_negative_int,
        default=3,
        metavar="N",
        help="with --headless: coordinator cycles to run",
    )
    demo.add_argument("--compact", action="store_true")
    parsers["demo"] = demo
    _register(parsers)
    return parsers


class _Registry:
    """The ``add_parser(name, **kwargs)`` of argparse sub-parsers, over ``parsers``."""

    def __init__(self, parsers: dict[str, argparse.ArgumentParser]) -> None:
        self.parsers = parsers

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        kwargs.pop("help", None)
        self.parsers[name] = Parser(prog=f"coordinator-tui {name}", **kwargs)
        return self.parsers[name]


def _register(parsers: dict[str, argparse.ArgumentParser]) -> None:
    import importlib

    for name in SELF_REGISTERED:
        importlib.import_module(f"coordinator_tui.commands.{name}").add_parser(_Registry(parsers))


def settings_from(args: argparse.Namespace) -> Settings:
    overrides = {
        "stale_after_s": getattr(args, "stale_after", None),
        "gone_after_s": getattr(args, "gone_after", None),
        "overlap_threshold": getattr(args, "overlap_threshold", None),
        "max_file_bytes": getattr(args, "max_file_bytes", None),
    }
    return load_settings(overrides)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parsers = build_parser()
    command = arguments[0] if arguments and arguments[0] in COMMANDS else "dashboard"
    if (arguments and arguments[0] == "dashboard") or command != "dashboard":
        arguments = arguments[1:]
    try:
        args = parsers[command].parse_args(arguments)
        settings = settings_from(args)
    except (UsageError, SettingsError) as error:
        print(
            f"coordinator-tui: {error}" if isinstance(error, SettingsError) else error,
            file=sys.stderr,
        )
        return 2
    try:
        return _dispatch(command, args, settings)
    except KeyboardInterrupt:
        return 130


def _dispatch(command: str, args: argparse.Namespace, settings: Settings) -> int:
    if command in SELF_REGISTERED:
        import importlib

        module = importlib.import_module(f"coordinator_tui.commands.{command}")
        return int(module.main(args, settings))
    if command == "status":
        from coordinator_tui.commands import status

        return status.main(args, settings)
    if command == "report":
        from coordinator_tui.commands import report

        return report.main(args, settings)
    if command == "send":
        from coordinator_tui.commands import send

        return send.main(args, settings)
    if command == "run":
        from coordinator_tui.commands import run

        return run.main(args, settings)
    if command == "demo":
        from coordinator_tui.commands import demo

        return demo.main(args, settings)
    from coordinator_tui.tui import app

    return app.main(args, settings)
