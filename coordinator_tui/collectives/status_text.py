"""What ``status DIR1 DIR2 …`` prints for people: one summary per collective, one table.

Each collective gets a summary (its name, where it is, the session counts, how
many alerts and data problems); the sessions of all of them share one table
with a collective column, and the alerts one table the same way. The details a
single directory's ``status`` lists (suggestions, milestones, every data
problem) stay there: ``status DIR`` for one of them. Built from plain ``Text``,
every colour and symbol from ``render.health``, like ``render.status``.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from coordinator_tui.analysis import Analysis
from coordinator_tui.analysis.results import Health
from coordinator_tui.analysis.summaries import unread_sessions
from coordinator_tui.collectives.names import Collective
from coordinator_tui.files.timeparse import format_utc
from coordinator_tui.render.health import ALERT_KINDS, HEALTH
from coordinator_tui.render.sanitize import display
from coordinator_tui.render.status import PIPED_WORK_WIDTH, alert_rows
from coordinator_tui.render.timetext import age_text, count_of

_WORK_WIDTH = 200

Analysed = tuple[Collective, Analysis]


def _t(value: object, width: int | None = None, style: str = "") -> Text:
    return Text(display(value, width), style=style)


def render_many(items: Sequence[Analysed], *, whole: bool = False) -> Group:
    """Everything ``status`` prints for several directories (``whole``: not a terminal)."""
    when = format_utc(items[0][1].now) if items else ""
    parts: list[RenderableType] = [
        Text(f"{count_of(len(items), 'collective')} at {when}", style="bold")
    ]
    parts.extend(summary(collective, analysis) for collective, analysis in items)
    parts.append(_sessions(items, whole))
    parts.append(_alerts(items))
    parts.append(Text("Suggestions, milestones and every data problem: status DIR for one."))
    return Group(*parts)


def summary(collective: Collective, analysis: Analysis) -> Text:
    """One collective in two lines: name and place, then what its sessions are doing."""
    line = Text.assemble(
        ("▸ ", "bold"), _t(collective.name, 60, "bold"), "  ", _t(collective.root), "\n  "
    )
    unread = unread_sessions(analysis)
    if unread is not None:
        reason = unread.reason.removeprefix("folder not listed: ")
        line.append(f"nothing could be read ({display(reason, 100)})", style="bold red")
        return line
    counts = analysis.counts
    numbers = {
        Health.WORKING: counts.working,
        Health.IDLE: counts.idle,
        Health.STALE: counts.stale,
        Health.GONE: counts.gone,
        Health.WAITING: counts.waiting,
        Health.ENDED: counts.ended,
    }
    line.append(f"{count_of(counts.total, 'session')}")
    shown = [(health, n) for health, n in numbers.items() if n or health in _ALWAYS]
    for index, (health, number) in enumerate(shown):
        look = HEALTH[health]
        line.append(": " if index == 0 else ", ")
        line.append(f"{number} {look.word}", style=look.style)
    line.append(f" · utilization {counts.utilization:.0%} of {counts.live} live")
    alerts = len(alert_rows(analysis))
    line.append(f" · {count_of(alerts, 'alert')}", style="bold yellow" if alerts else "")
    problems = len(analysis.errors)
    if problems:
        line.append(f" · {count_of(problems, 'data problem')}", style="bold yellow")
    return line


_ALWAYS = (Health.WORKING, Health.IDLE, Health.STALE, Health.GONE)
"""Counts shown even at zero (as ``status`` does); waiting and ended only when some are."""


def _sessions(items: Sequence[Analysed], whole: bool) -> Table | Text:
    if not any(analysis.sessions for _, analysis in items):
        return Text("No sessions in any of them.", style="yellow")
    table = Table(title="Sessions", title_justify="left", expand=not whole)
    table.add_column("", no_wrap=True, width=1)
    if whole:
        for name in ("collective", "session", "health", "work", "heartbeat"):
            table.add_column(name, no_wrap=True)
    else:
        table.add_column("collective", no_wrap=True, overflow="ellipsis", max_width=24)
        table.add_column("session", no_wrap=True, overflow="ellipsis", min_width=18, max_width=32)
        table.add_column("health", no_wrap=True, min_width=7)
        table.add_column("work", no_wrap=True, overflow="ellipsis", ratio=1, min_width=16)
        table.add_column("heartbeat", no_wrap=True, min_width=12, max_width=22)
    table.add_column("beats", no_wrap=True, justify="right")
    id_width, work_width = (None, PIPED_WORK_WIDTH) if whole else (32, _WORK_WIDTH)
    for collective, analysis in items:
        for view in analysis.sessions:
            look = HEALTH[view.health]
            work = _t("(idle)" if view.placeholder else view.session.current_work, work_width)
            if view.duplicate:
                work.stylize(ALERT_KINDS["duplicate"].style)
            beats = view.session.heartbeat_count
            table.add_row(
                Text(look.symbol, style=look.style),
                _t(collective.name, id_width),
                _t(view.id, id_width),
                Text(look.word, style=look.style),
                work,
                Text(age_text(view.heartbeat_age_s)),
                Text("" if beats is None else str(beats)),
            )
    return table


def _alerts(items: Sequence[Analysed]) -> Table | Text:
    rows = [
        (_t(collective.name, 32), *row)
        for collective, analysis in items
        for row in alert_rows(analysis)
    ]
    if not rows:
        return Text("No alerts in any of them.")
    table = Table(title="Alerts", title_justify="left", show_header=False)
    table.add_column("collective", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("detail", overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table
