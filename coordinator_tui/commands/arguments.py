"""What every command's parser is made of: one-line errors, checked values, common options.

Each command module adds its own parser with ``Parsers.add`` (its
``add_parser`` function), so a command's options sit beside the code that
reads them; ``cli`` only collects them and dispatches.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from typing import Any, NoReturn

from coordinator_tui.files.timeparse import parse_timestamp


class UsageError(Exception):
    """A bad command line: one line to stderr, exit 2."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are a ``UsageError``, never a usage dump and exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def timestamp(text: str) -> datetime:
    moment = parse_timestamp(text)
    if moment is None:
        raise argparse.ArgumentTypeError(f"not a timestamp: {text!r}")
    return moment


def positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    """A converter to ``kind`` (int or float) that refuses 0 and below."""

    def convert(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be greater than 0: {text!r}")
        return value

    return convert


def between(kind: Callable[[str], Any], low: float, high: float, what: str) -> Callable[[str], Any]:
    """A converter to ``kind`` that refuses values outside ``low``..``high`` (``what``
    names them: ``a port``, ``seconds``)."""

    def convert(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not low <= value <= high:  # NaN too
            raise argparse.ArgumentTypeError(f"{what} is {low:g}-{high:g}: {text!r}")
        return value

    return convert


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text!r}")
    return value


def common_options() -> argparse.ArgumentParser:
    """Options every command takes: the clock and the analysis thresholds."""
    common = Parser(add_help=False)
    group = common.add_argument_group("analysis")
    group.add_argument("--now", type=timestamp, help="pretend the time is this (ISO 8601 or epoch)")
    group.add_argument(
        "--stale-after",
        type=positive(float),
        metavar="SECONDS",
        help="heartbeat age that makes a session stale (default: 600)",
    )
    group.add_argument(
        "--gone-after",
        type=positive(float),
        metavar="SECONDS",
        help="heartbeat age that makes a session gone (default: 7200)",
    )
    group.add_argument(
        "--overlap-threshold",
        type=float,
        metavar="0-1",
        help="similarity at which two works are a possible overlap (default: 0.6)",
    )
    group.add_argument(
        "--max-file-bytes",
        type=positive(int),
        metavar="BYTES",
        help="larger files are errors, not reads (default: 1048576)",
    )
    return common


class Parsers:
    """The parser of every command, by name; each command module adds its own."""

    def __init__(self) -> None:
        self.common = common_options()
        self.by_name: dict[str, argparse.ArgumentParser] = {}

    def add(self, name: str, description: str, **options: Any) -> argparse.ArgumentParser:
        """A parser for ``coordinator-tui NAME`` that takes the common options too."""
        options.setdefault("prog", f"coordinator-tui {name}")
        parser = Parser(parents=[self.common], description=description, **options)
        self.by_name[name] = parser
        return parser
