"""``coordinator-tui status``: the state of a directory, once, for people or scripts."""

from __future__ import annotations

import argparse
import sys

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from coordinator_tui.analysis import Analysis, Health
from coordinator_tui.commands.common import CommandError, analyse_once, clock_of, directory, fail
from coordinator_tui.files.timeparse import format_utc
from coordinator_tui.render.health import HEALTH
from coordinator_tui.render.sanitize import display
from coordinator_tui.render.status_json import analysis_to_dict, dumps
from coordinator_tui.render.timetext import age_text
from coordinator_tui.settings import Settings

_WORK_WIDTH = 200


def main(args: argparse.Namespace, settings: Settings) -> int:
    try:
        root = directory(args)
    except CommandError as error:
        return fail(error)
    _, analysis = analyse_once(root, settings, clock_of(args))
    if args.json:
        sys.stdout.write(dumps(analysis_to_dict(analysis)) + "\n")
        return 0
    console = Console(highlight=False, soft_wrap=False)
    console.print(render(analysis))
    return 0


def _t(value: object, width: int | None = None, style: str = "") -> Text:
    """Untrusted text as a plain ``Text``: sanitised, one line, never markup."""
    return Text(display(value, width), style=style)


def render(analysis: Analysis) -> Group:
    """Everything ``status`` prints, as rich renderables built from plain Text."""
    counts = analysis.counts
    header = Text.assemble(
        (f"{display(str(analysis.root))}", "bold"),
        f"  at {format_utc(analysis.now)}\n",
        (f"{counts.total} session{'' if counts.total == 1 else 's'}: ", ""),
        (f"{counts.working} working", "green"),
        ", ",
        (f"{counts.idle} idle", "cyan"),
        ", ",
        (f"{counts.stale} stale", "yellow"),
        ", ",
        (f"{counts.gone} gone", "bright_black"),
        *_said(counts.waiting, counts.ended),
        f" · utilization {counts.utilization:.0%} of {counts.live} live",
    )
    parts: list[object] = [header, _sessions(analysis), _alerts(analysis)]
    if analysis.suggestions:
        parts.append(_suggestions(analysis))
    parts.append(_milestones(analysis))
    parts.append(_files(analysis))
    return Group(*parts)  # type: ignore[arg-type]


def _said(waiting: int, ended: int) -> list[str | tuple[str, str]]:
    """The hook-reported counts, shown only where a session reported one."""
    parts: list[str | tuple[str, str]] = []
    for count, health in ((waiting, Health.WAITING), (ended, Health.ENDED)):
        if count:
            parts += [", ", (f"{count} {HEALTH[health].word}", HEALTH[health].style)]
    return parts


def _sessions(analysis: Analysis) -> Table:
    table = Table(title="Sessions", title_justify="left", expand=True)
    table.add_column("", no_wrap=True, width=1)
    table.add_column("session", no_wrap=True, overflow="ellipsis", min_width=18, max_width=32)
    table.add_column("health", no_wrap=True, min_width=7)
    table.add_column("work", no_wrap=True, overflow="ellipsis", ratio=1, min_width=16)
    table.add_column("heartbeat", no_wrap=True, min_width=12, max_width=22)
    table.add_column("beats", no_wrap=True, justify="right")
    for view in analysis.sessions:
        symbol, style = HEALTH[view.health].symbol, HEALTH[view.health].style
        work = _t("(idle)" if view.placeholder else view.session.current_work, _WORK_WIDTH)
        if view.duplicate:
            work.stylize("bold red")
        table.add_row(
            Text(symbol, style=style),
            _t(view.id, 32),
            Text(view.health.value, style=style),
            work,
            Text(age_text(view.heartbeat_age_s)),
            Text("" if view.session.heartbeat_count is None else str(view.session.heartbeat_count)),
        )
    return table


def _alerts(analysis: Analysis) -> Table | Text:
    rows: list[tuple[Text, Text]] = []
    for group in analysis.duplicates:
        rows.append(
            (
                Text("duplicate", style="bold red"),
                Text.assemble(_t(group.work, _WORK_WIDTH), " ← ", _t(", ".join(group.sessions))),
            )
        )
    for overlap in analysis.overlaps:
        rows.append(
            (
                Text(f"overlap {overlap.score:.2f}", style="yellow"),
                Text.assemble(
                    _t(overlap.first),
                    " ",
                    _t(overlap.first_work, 30),
                    " ~ ",
                    _t(overlap.second),
                    " ",
                    _t(overlap.second_work, 30),
                ),
            )
        )
    for conflict in analysis.conflicts:
        rows.append(
            (
                Text("claim conflict", style="magenta"),
                Text.assemble(
                    _t(conflict.session),
                    " works on ",
                    _t(conflict.work, 40),
                    " claimed by ",
                    _t(conflict.claimed_by),
                    " (",
                    _t(conflict.claim),
                    ")",
                ),
            )
        )
    for view in analysis.stale_sessions:
        rows.append(
            (
                Text("stale", style="yellow"),
                Text.assemble(_t(view.id), f" last heartbeat {age_text(view.heartbeat_age_s)}"),
            )
        )
    if not rows:
        return Text("No alerts: no duplicate work, overlaps, claim conflicts or stale sessions.")
    table = Table(title="Alerts", title_justify="left", show_header=False)
    table.add_column("kind", no_wrap=True)
    table.add_column("detail", overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def _suggestions(analysis: Analysis) -> Table:
    table = Table(title="Suggestions for idle sessions", title_justify="left")
    for column in ("session", "priority", "score", "why"):
        table.add_column(column, no_wrap=True, overflow="ellipsis")
    for item in analysis.suggestions:
        table.add_row(
            _t(item.session), _t(item.priority, 40), Text(f"{item.score:g}"), _t(item.reason, 40)
        )
    return table


def _milestones(analysis: Analysis) -> Table | Text:
    summary = analysis.milestones
    if not summary.total:
        return Text("Milestones: none")
    table = Table(
        title=f"Milestones: {summary.completion_pct:.0f}% complete "
        f"({summary.by_status.get('completed', 0)} of {summary.total})",
        title_justify="left",
    )
    for column in ("milestone", "status", "progress", "owner"):
        table.add_column(column, no_wrap=True, overflow="ellipsis")
    for view in summary.items:
        status = Text(view.milestone.status + (" (stalled)" if view.stalled else ""))
        table.add_row(
            _t(view.milestone.title, 50),
            status,
            Text(f"{view.progress:.0f}%"),
            _t(view.milestone.owner or "", 24),
        )
    return table


def _files(analysis: Analysis) -> Group:
    counts = ", ".join(
        f"{kind} {count.read}/{count.found}"
        + (f" ({count.recovered} recovered)" if count.recovered else "")
        for kind, count in analysis.files.items()
    )
    lines: list[Text] = [Text(f"Files read: {counts}")]
    errors = [e for e in analysis.errors if e.severity == "error"]
    warnings = [e for e in analysis.errors if e.severity != "error"]
    if errors or warnings:
        lines.append(
            Text(
                f"Data problems: {len(errors)} unreadable, {len(warnings)} warnings",
                style="bold yellow",
            )
        )
        for error in list(analysis.errors)[:20]:
            lines.append(Text.assemble("  ", _t(error.path, 60), ": ", _t(error.reason, 100)))
        if len(analysis.errors) > 20:
            lines.append(Text(f"  … and {len(analysis.errors) - 20} more (see status --json)"))
    return Group(*lines)
