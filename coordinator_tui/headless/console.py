"""Printing the headless coordinator's log: coloured on a terminal, plain otherwise, or JSON.

One place renders ``LogEvent``s so ``run`` and ``demo --headless`` look the
same. Event text is already sanitised by the coordinator and is printed as a
plain ``rich.text.Text`` (never markup), so ``[bold]`` in a session's work is
shown, not obeyed. JSON lines are ASCII-only, so no byte of session text can
act on the terminal that tails the log.
"""

from __future__ import annotations

import json
import sys
from typing import IO

from rich.console import Console
from rich.text import Text

from coordinator_tui.files.timeparse import format_utc
from coordinator_tui.headless.coordinator import LogEvent

LEVEL_STYLE = {"info": ("", "green"), "warn": ("⚠ ", "yellow"), "error": ("✗ ", "red")}
STEP_STYLE = {"cycle": "bold blue", "start": "bold", "stop": "bold"}


class LogPrinter:
    """A callable that prints one event a line; flushes every line (nohup, journald, tail -f)."""

    def __init__(self, log_format: str = "text", stream: IO[str] | None = None) -> None:
        self.log_format = log_format
        self.stream = stream if stream is not None else sys.stdout
        self.console = Console(
            file=self.stream,
            highlight=False,
            markup=False,
            emoji=False,
            soft_wrap=True,
        )

    def __call__(self, event: LogEvent) -> None:
        if self.log_format == "json":
            document = {
                "time": format_utc(event.time),
                "cycle": event.cycle,
                "step": event.step,
                "level": event.level,
                "message": event.text,
            }
            document.update({k: v for k, v in event.data.items() if k not in document})
            self.stream.write(json.dumps(document, ensure_ascii=True, default=str) + "\n")
        else:
            symbol, colour = LEVEL_STYLE.get(event.level, ("", ""))
            line = Text.assemble(
                (f"[{event.time:%Y-%m-%d %H:%M:%S} UTC] ", colour),
                (symbol, colour),
                Text(event.text, style=STEP_STYLE.get(event.step, "")),
            )
            self.console.print(line)
        self.stream.flush()
