"""The sprint report's sections about what the coordinator decides (``analysis.acting``).

Resolutions of duplicate and overlapping work, forecasts (an ETA, or why
there is none), resource advice, the incidents a human should look at, and
quality per session. Pure Markdown from an ``Acting``; every string from a file
goes through ``markdown.md``. An empty section says what was looked at.
"""

from __future__ import annotations

from coordinator_tui.analysis.acting.act import Acting
from coordinator_tui.analysis.acting.quality import sort_quality
from coordinator_tui.files.timeparse import format_utc
from coordinator_tui.render.markdown import duration, md, table


def resolutions(acting: Acting) -> str:
    if not acting.resolutions:
        return "## Resolutions\n\nNo duplicate or overlapping work to resolve."
    rows = []
    for item in acting.resolutions:
        suggestion = item.suggestion
        next_up = (
            f"{md(suggestion.priority, 60)} ({md(suggestion.reason, 60)})"
            if suggestion
            else "nothing free"
        )
        rows.append(
            (
                item.kind,
                md(item.work, 80),
                md(item.keeper, 40),
                md(item.reason, 80),
                md(item.yielder, 40),
                next_up,
            )
        )
    header = ("kind", "work", "kept by", "why", "yields", "suggested next")
    lines = [
        "## Resolutions",
        "",
        "Who keeps duplicate or overlapping work: the holder of a live claim, else the one that "
        "started it first, else the one further along. `run` tells each yielder once.",
        "",
        table(header, rows),
    ]
    return "\n".join(lines)


def forecasts(acting: Acting) -> str:
    if not acting.milestone_forecasts:
        return "## Forecasts\n\nNo milestones to forecast."
    rows = []
    for item in acting.milestone_forecasts:
        velocity = f"{item.velocity_per_h:.1f}/h" if item.velocity_per_h is not None else "—"
        eta = format_utc(item.eta) if item.eta is not None else f"none: {item.why_not}"
        rows.append(
            (md(item.milestone_id, 60), f"{item.progress:.0f}%", velocity, eta, md(item.basis, 100))
        )
    timed = sum(1 for item in acting.milestone_forecasts if item.eta is not None)
    lines = [
        "## Forecasts",
        "",
        f"{timed} of {len(acting.milestone_forecasts)} milestones have an ETA (velocity in "
        "percentage points an hour, from the recorded history, step completion times, or "
        "progress since `created_at`).",
        "",
        table(("milestone", "progress", "velocity", "ETA", "how"), rows),
    ]
    if acting.session_forecasts:
        lines += ["", "Sessions' current work:", ""]
        lines += [
            f"- {md(item.session, 60)}: {md(item.milestone_id, 60)} due {format_utc(item.eta)}"
            + (" — finishing soon" if item.finishing_soon else "")
            for item in acting.session_forecasts[:20]
        ]
    if acting.early_suggestions:
        lines += ["", "Next up for sessions about to finish:", ""]
        lines += [
            f"- {md(item.session, 60)} → {md(item.priority, 60)} ({md(item.reason, 100)})"
            for item in acting.early_suggestions[:20]
        ]
    return "\n".join(lines)


def resources(acting: Acting) -> str:
    advice = acting.resources
    if advice.action == "start":
        head = f"**Start {advice.count} more session(s).**"
    elif advice.action == "stop":
        names = ", ".join(md(session, 40) for session in advice.sessions[:10])
        head = f"**{advice.count} idle session(s) could stop:** {names}."
    else:
        head = "No change suggested."
    return (
        f"## Resources\n\n{head} {md(advice.reason, 200)} "
        f"({advice.waiting_work} priorities waiting, {advice.idle_now} idle now, "
        f"{advice.window_samples} history samples looked at.)"
    )


def incidents(acting: Acting) -> str:
    if not acting.incidents:
        return (
            "## Needs a human\n\nNothing stuck: no milestone blocked or stalled past its "
            "threshold, no expired claim without progress, no long wait for input, no ghost "
            "holding a claim."
        )
    rows = (
        (item.kind, md(item.title, 160), format_utc(item.since) if item.since else "—")
        for item in acting.incidents
    )
    lines = [
        "## Needs a human",
        "",
        f"{len(acting.incidents)} open incident(s); `run --notify URL` raises each once "
        "(and once more when it is resolved).",
        "",
        table(("kind", "what", "since"), rows, len(acting.incidents)),
    ]
    return "\n".join(lines)


def quality(acting: Acting) -> str:
    if not acting.quality:
        return "## Quality per session\n\nNo sessions."
    rows = []
    for record in sort_quality(acting.quality, "finished"):
        answered = (
            f"{record.messages_answered}/{record.messages_received}"
            if record.messages_received
            else "—"
        )
        rows.append(
            (
                md(record.session, 40),
                str(record.finished),
                str(record.steps_completed),
                str(record.milestones_completed),
                str(record.claims_completed),
                str(record.claims_expired),
                str(record.duplicates_caused),
                duration(record.waiting_s) if record.waiting_s else "—",
                answered,
            )
        )
    header = (
        "session",
        "finished",
        "steps",
        "milestones",
        "claims done",
        "claims expired",
        "duplicates caused",
        "waited for input",
        "messages answered",
    )
    lines = [
        "## Quality per session",
        "",
        "Most work finished first. Claims done, duplicates caused and waiting time are "
        "approximations (released claims are usually deleted; waits between heartbeats are "
        "not all seen).",
        "",
        table(header, rows, len(acting.quality)),
    ]
    return "\n".join(lines)
