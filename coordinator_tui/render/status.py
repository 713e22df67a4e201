"""What ``status`` prints for people: the analysis as rich renderables, no I/O.

Built from plain ``Text`` (never markup) so a session's ``[bold]`` is shown, not
obeyed; every health and alert-kind colour and symbol comes from ``render.health``
so ``status`` and the dashboard cannot disagree.

On a terminal the tables fit its width; piped or redirected (``whole=True``)
nothing is cut to a width: ids whole, work up to ``PIPED_WORK_WIDTH``. A
directory whose sessions could not be listed says so instead of showing
"0 sessions", and one with no session files says what was looked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from coordinator_tui.analysis import Analysis
from coordinator_tui.analysis.results import Health
from coordinator_tui.analysis.summaries import unread_sessions
from coordinator_tui.files.timeparse import format_utc
from coordinator_tui.render.health import ALERT_KINDS, HEALTH
from coordinator_tui.render.sanitize import display
from coordinator_tui.render.status_costs import render_costs
from coordinator_tui.render.timetext import age_text, count_of

if TYPE_CHECKING:
    from coordinator_tui.analysis.acting.act import Acting

_WORK_WIDTH = 200
PIPED_WORK_WIDTH = 1000
"""Characters of a session's work shown when the output is not a terminal."""
"""Folders whose listing failing means the sessions are unknown (not zero)."""
ERROR_LINES = 20
"""Data problems listed by name; the rest are counted (``status --json`` has them all)."""
DECISION_LINES = 20
"""Incidents, and resolutions, listed each; the rest are counted."""


def _t(value: object, width: int | None = None, style: str = "") -> Text:
    """Untrusted text as a plain ``Text``: sanitised, one line, never markup."""
    return Text(display(value, width), style=style)


def no_sessions_hint(root: str, has_sessions_folder: bool) -> Text:
    """What to say instead of an empty table: what was looked for, and where."""
    folder = display(root.rstrip("/") + "/sessions/")
    if has_sessions_folder:
        return Text(f"No session files in {folder} (looked for session*.json).", style="yellow")
    return Text(
        f"No sessions/ folder in {display(root)}: looked for {folder}session*.json. Is this "
        "the coordination directory? Give DIR (for example docs/coordination), or run "
        "'coordinator-tui init' for a sample.",
        style="yellow",
    )


def render_status(
    analysis: Analysis,
    *,
    whole: bool = False,
    has_sessions_folder: bool = True,
    acting: Acting | None = None,
) -> Group:
    """Everything ``status`` prints, as rich renderables built from plain Text.

    ``whole``: the output is not a terminal, so nothing is cut to fit a width.
    ``has_sessions_folder``: whether DIR/sessions/ exists (the hint for no sessions).
    ``acting``: what the coordinator decides (who yields, what needs a human, milestone
    ETAs), shown when given."""
    unread = unread_sessions(analysis)
    if unread is not None:
        what = (
            "Nothing could be read: the directory"
            if unread.path == "."
            else "The sessions could not be read: sessions/"
        )
        reason = unread.reason.removeprefix("folder not listed: ")
        message = Text.assemble(
            (f"{what} could not be listed (", "bold red"),
            _t(reason, 100, "bold red"),
            ("); how many sessions there are is unknown, not zero.", "bold red"),
        )
        return Group(_title(analysis), message, _files(analysis))
    if not analysis.sessions:
        hint = no_sessions_hint(str(analysis.root), has_sessions_folder)
        parts: list[object] = [_header(analysis), hint]
        if not has_sessions_folder:
            return Group(*parts, _files(analysis))  # type: ignore[arg-type]
        parts.append(_alerts(analysis))
    else:
        parts = [_header(analysis), _sessions(analysis, whole), _alerts(analysis)]
    if acting is not None and (acting.resolutions or acting.incidents or _advice(acting)):
        parts.append(_decisions(acting))
    if analysis.suggestions:
        parts.append(_suggestions(analysis))
    spend = render_costs(acting.costs) if acting is not None else None
    if spend is not None:
        parts.append(spend)
    parts.append(_milestones(analysis, acting))
    parts.append(_files(analysis))
    return Group(*parts)  # type: ignore[arg-type]


def _title(analysis: Analysis) -> Text:
    return Text.assemble((display(str(analysis.root)), "bold"), f"  at {format_utc(analysis.now)}")


def _header(analysis: Analysis) -> Text:
    counts = analysis.counts
    numbers = {
        Health.WORKING: counts.working,
        Health.IDLE: counts.idle,
        Health.STALE: counts.stale,
        Health.GONE: counts.gone,
    }
    # Only sessions run through agent hooks say these: shown where one does.
    if counts.waiting:
        numbers[Health.WAITING] = counts.waiting
    if counts.ended:
        numbers[Health.ENDED] = counts.ended
    if counts.starting:
        numbers[Health.STARTING] = counts.starting
    header = Text.assemble(_title(analysis), "\n", f"{count_of(counts.total, 'session')}: ")
    for index, (health, number) in enumerate(numbers.items()):
        look = HEALTH[health]
        header.append(", " if index else "")
        header.append(f"{number} {look.word}", style=look.style)
    header.append(f" · utilization {counts.utilization:.0%} of {counts.live} live")
    return header


def _sessions(analysis: Analysis, whole: bool = False) -> Table:
    table = Table(title="Sessions", title_justify="left", expand=not whole)
    table.add_column("", no_wrap=True, width=1)
    if whole:  # not a terminal: every column as wide as its longest cell
        table.add_column("session", no_wrap=True)
        table.add_column("health", no_wrap=True)
        table.add_column("work", no_wrap=True)
        table.add_column("heartbeat", no_wrap=True)
    else:
        table.add_column("session", no_wrap=True, overflow="ellipsis", min_width=18, max_width=32)
        table.add_column("health", no_wrap=True, min_width=7)
        table.add_column("work", no_wrap=True, overflow="ellipsis", ratio=1, min_width=16)
        table.add_column("heartbeat", no_wrap=True, min_width=12, max_width=22)
    table.add_column("beats", no_wrap=True, justify="right")
    id_width, work_width = (None, PIPED_WORK_WIDTH) if whole else (32, _WORK_WIDTH)
    for view in analysis.sessions:
        look = HEALTH[view.health]
        work = _t("(idle)" if view.placeholder else view.session.current_work, work_width)
        if view.duplicate:
            work.stylize(ALERT_KINDS["duplicate"].style)
        table.add_row(
            Text(look.symbol, style=look.style),
            _t(view.id, id_width),
            Text(look.word, style=look.style),
            work,
            Text(age_text(view.heartbeat_age_s)),
            Text("" if view.session.heartbeat_count is None else str(view.session.heartbeat_count)),
        )
    return table


def _kind(kind: str, word: str) -> Text:
    """An alert row's first cell: the dashboard's symbol and colour, ``status``'s longer word."""
    look = ALERT_KINDS[kind]
    return Text(f"{look.symbol} {word}", style=look.style)


def alert_rows(analysis: Analysis) -> list[tuple[Text, Text]]:
    rows: list[tuple[Text, Text]] = []
    for group in analysis.duplicates:
        detail = Text.assemble(_t(group.work, _WORK_WIDTH), " ← ", _t(", ".join(group.sessions)))
        rows.append((_kind("duplicate", "duplicate"), detail))
    for overlap in analysis.overlaps:
        detail = Text.assemble(
            _t(overlap.first),
            " ",
            _t(overlap.first_work, 30),
            " ~ ",
            _t(overlap.second),
            " ",
            _t(overlap.second_work, 30),
        )
        rows.append((_kind("overlap", f"overlap {overlap.score:.2f}"), detail))
    for conflict in analysis.conflicts:
        detail = Text.assemble(
            _t(conflict.session),
            " works on ",
            _t(conflict.work, 40),
            " claimed by ",
            _t(conflict.claimed_by),
            " (",
            _t(conflict.claim),
            ")",
        )
        rows.append((_kind("claim", "claim conflict"), detail))
    for view in analysis.stale_sessions:
        detail = Text.assemble(_t(view.id), f" last heartbeat {age_text(view.heartbeat_age_s)}")
        rows.append((_kind("stale", HEALTH[Health.STALE].word), detail))
    return rows


def _alerts(analysis: Analysis) -> Table | Text:
    rows = alert_rows(analysis)
    if not rows:
        return Text("No alerts: no duplicate work, overlaps, claim conflicts or stale sessions.")
    table = Table(title="Alerts", title_justify="left", show_header=False)
    table.add_column("kind", no_wrap=True)
    table.add_column("detail", overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def _advice(acting: Acting) -> str:
    advice = acting.resources
    if advice.action == "none" or not advice.count:
        return ""
    return f"{advice.action} {count_of(advice.count, 'session')}: {advice.reason}"


def _decisions(acting: Acting) -> Table:
    """Who yields duplicated or overlapping work to whom, stuck work a human should see,
    and whether to start or stop sessions: what ``run`` acts on."""
    table = Table(title="Decisions", title_justify="left", show_header=False)
    table.add_column("kind", no_wrap=True)
    table.add_column("detail", overflow="fold")
    for incident in acting.incidents[:DECISION_LINES]:
        table.add_row(_kind("incident", "needs a human"), _t(incident.title, 300))
    for resolution in acting.resolutions[:DECISION_LINES]:
        detail = Text.assemble(
            _t(resolution.yielder),
            " yields ",
            _t(resolution.yielder_work, 80),
            " to ",
            _t(resolution.keeper),
            " (",
            _t(resolution.reason, 120),
            ")",
        )
        if resolution.suggestion is not None:
            suggestion = resolution.suggestion
            detail.append_text(
                Text.assemble("; next: ", _t(suggestion.priority, 40), f" ({suggestion.score:g})")
            )
        table.add_row(_kind("resolve", resolution.kind), detail)
    hidden = max(0, len(acting.incidents) - DECISION_LINES) + max(
        0, len(acting.resolutions) - DECISION_LINES
    )
    if hidden:
        table.add_row(Text("…"), Text(f"and {hidden} more (see status --json)"))
    advice = _advice(acting)
    if advice:
        table.add_row(Text("± sessions", style="cyan"), _t(advice, 300))
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


def _milestones(analysis: Analysis, acting: Acting | None = None) -> Table | Text:
    summary = analysis.milestones
    if not summary.total:
        return Text("Milestones: none")
    table = Table(
        title=f"Milestones: {summary.completion_pct:.0f}% complete "
        f"({summary.by_status.get('completed', 0)} of {summary.total})",
        title_justify="left",
    )
    columns = ("milestone", "status", "progress", "owner") + (("eta",) if acting else ())
    for column in columns:
        table.add_column(column, no_wrap=True, overflow="ellipsis")
    for view in summary.items:
        status = Text(view.milestone.status + (" (stalled)" if view.stalled else ""))
        cells = [
            _t(view.milestone.title, 50),
            status,
            Text(f"{view.progress:.0f}%"),
            _t(view.milestone.owner or "", 24),
        ]
        if acting is not None:
            forecast = acting.forecast_of_milestone(view.milestone.milestone_id)
            eta = forecast.eta if forecast is not None else None
            why = (forecast.why_not or "") if forecast is not None else ""
            cells.append(Text(format_utc(eta)) if eta else _t(why, 30, "dim"))
        table.add_row(*cells)
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
                f"Data problems: {len(errors)} unreadable, {count_of(len(warnings), 'warning')}",
                style="bold yellow",
            )
        )
        for error in list(analysis.errors)[:ERROR_LINES]:
            lines.append(Text.assemble("  ", _t(error.path, 60), ": ", _t(error.reason, 100)))
        if len(analysis.errors) > ERROR_LINES:
            more = len(analysis.errors) - ERROR_LINES
            lines.append(Text(f"  … and {more} more (see status --json)"))
    return Group(*lines)
