"""Markdown building blocks for the report: inert text, bounded tables.

Every string that came from a file goes through ``md`` (sanitised with
``display``, cut, and Markdown-escaped) so a ``|`` in a session's work cannot
break a table and ``<script>`` or ``[link](…)`` stays text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import timedelta

import humanize

from coordinator_tui.render.sanitize import display

ROW_LIMIT = 50
"""Rows per table; the rest is counted, not listed (reports stay readable at 10,000)."""
WORK_WIDTH = 120
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#!])")


def md(value: object, width: int | None = WORK_WIDTH) -> str:
    """Untrusted text as one inert Markdown line: sanitised, cut, special characters escaped."""
    text = display(value, width)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def table(header: Sequence[str], rows: Iterable[Sequence[str]], total: int | None = None) -> str:
    rows = list(rows)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows[:ROW_LIMIT]]
    count = len(rows) if total is None else total
    if count > ROW_LIMIT:
        lines.append(f"\n… and {count - ROW_LIMIT} more (see `coordinator-tui status --json`).")
    return "\n".join(lines)


def duration(seconds: float) -> str:
    return str(humanize.naturaldelta(timedelta(seconds=seconds)))


def pct(value: float) -> str:
    return f"{value:.0f}%"
