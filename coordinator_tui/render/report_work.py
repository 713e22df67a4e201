"""The report's sections about work: who works on what, twice, or not at all, and
what the coordinator decides about it.

Active work, duplicate work, possible overlaps, idle sessions with suggestions,
and claims; then, from an ``Acting`` (``analysis.acting.act``): resolutions,
forecasts (an ETA or why not), resource advice, incidents for a human and
quality per session. Each section says what is really there: an empty one says
how many things were looked at, never a canned all-clear.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from coordinator_tui.analysis import Analysis, ClaimView, Health, SessionView
from coordinator_tui.analysis.acting.act import Acting
from coordinator_tui.analysis.acting.quality import sort_quality
from coordinator_tui.files.timeparse import format_utc
from coordinator_tui.render.health import HEALTH
from coordinator_tui.render.markdown import duration, md, table
from coordinator_tui.render.timetext import age_text, count_of


def active_work(analysis: Analysis) -> str:
    working = [v for v in analysis.sessions if v.health is Health.WORKING]
    if not working:
        return (
            "## Active work\n\nNo session is working: "
            f"{analysis.counts.live} live sessions, none with real work."
        )
    working.sort(key=lambda v: (v.work_key, v.id))
    rows = (
        (
            md(v.id, 60),
            md(v.work),
            age_text(v.heartbeat_age_s),
            "duplicate" if v.duplicate else ("claim conflict" if v.conflict else ""),
        )
        for v in working
    )
    distinct = len({v.work_key for v in working})
    return "\n".join(
        [
            "## Active work",
            "",
            f"{count_of(len(working), 'working session')} on "
            f"{count_of(distinct, 'distinct piece', 'distinct pieces')} of work.",
            "",
            table(("session", "work", "last heartbeat", "note"), rows, len(working)),
        ]
    )


def duplicates(analysis: Analysis) -> str:
    working = [v for v in analysis.sessions if v.health.live and not v.placeholder]
    distinct = len({v.work_key for v in working})
    idle = analysis.counts.idle
    if not analysis.duplicates:
        return (
            "## Duplicate work\n\n"
            f"None found: {len(working)} live sessions with work, {distinct} distinct works "
            f"(the {idle} idle sessions with placeholder work are not duplicates)."
        )
    sessions = sum(len(group.sessions) for group in analysis.duplicates)
    lines = [
        "## Duplicate work",
        "",
        f"**{count_of(len(analysis.duplicates), 'piece', 'pieces')} of work done by more than one "
        f"live session ({sessions} sessions in all).** "
        "Work is compared case- and punctuation-blind.",
        "",
    ]
    rows = (
        (md(group.work), str(len(group.sessions)), md(", ".join(group.sessions), 200))
        for group in analysis.duplicates
    )
    lines.append(table(("work", "sessions", "who"), rows, len(analysis.duplicates)))
    return "\n".join(lines)


def overlaps(analysis: Analysis) -> str:
    threshold = analysis.settings.overlap_threshold
    if not analysis.overlaps:
        return (
            "## Possible overlaps\n\n"
            f"No two live sessions have similar (but not equal) work at similarity ≥ {threshold:g}."
        )
    rows = (
        (
            md(o.first, 40),
            md(o.first_work, 60),
            md(o.second, 40),
            md(o.second_work, 60),
            f"{o.score:.2f}",
        )
        for o in analysis.overlaps
    )
    return "\n".join(
        [
            "## Possible overlaps",
            "",
            f"{count_of(analysis.overlaps_found, 'pair')} of live sessions with similar work "
            f"(word similarity ≥ {threshold:g}); worth a look, not necessarily a clash."
            + (
                f" The search was capped: the {len(analysis.overlaps)} most similar are listed, "
                "and there may be more."
                if analysis.overlaps_capped
                else ""
            ),
            "",
            table(
                ("session", "work", "session", "work", "similarity"), rows, len(analysis.overlaps)
            ),
        ]
    )


def _idle_since(view: SessionView, now: datetime) -> str:
    if view.idle_since is None:
        return "—"
    return age_text((now - view.idle_since).total_seconds())


def idle(analysis: Analysis) -> str:
    idle = analysis.idle_sessions
    available = [p for p in analysis.priorities if p.available]
    lines = ["## Idle sessions and suggestions", ""]
    if not idle:
        lines.append(f"No idle sessions: all {analysis.counts.live} live sessions are working.")
    else:
        lines.append(f"{count_of(len(idle), 'idle session')} (fresh heartbeat, no real work):")
        lines.append("")
        rows = (
            (
                md(v.id, 60),
                md(v.session.current_work if v.session.current_work is not None else "null", 40),
                _idle_since(v, analysis.now),
                md(", ".join(v.session.capabilities), 60),
            )
            for v in idle
        )
        lines.append(
            table(("session", "work field", "idle since", "capabilities"), rows, len(idle))
        )
    lines.append("")
    if analysis.suggestions:
        lines += ["Suggested assignments (best available priority per idle session):", ""]
        suggestion_rows = (
            (
                md(s.session, 60),
                md(s.priority, 60),
                f"{s.score:g}",
                md(s.description),
                md(s.reason, 80),
            )
            for s in analysis.suggestions
        )
        header = ("session", "priority", "score", "description", "why")
        lines.append(table(header, suggestion_rows))
    elif idle and analysis.priorities:
        lines.append(
            f"No suggestions: {len(available)} of "
            f"{count_of(len(analysis.priorities), 'priority', 'priorities')} "
            f"{'is' if len(available) == 1 else 'are'} available (not worked on and not claimed)."
        )
    if analysis.priorities:
        taken = len(analysis.priorities) - len(available)
        lines += [
            "",
            f"Priority queue: {count_of(len(analysis.priorities), 'item')}, "
            f"{len(available)} available, "
            f"{taken} being worked on or claimed.",
        ]
    else:
        lines += ["", "Priority queue: no `priorities.txt` (or it holds no valid lines)."]
    return "\n".join(lines)


# --- claims -------------------------------------------------------------------------------


def claims(analysis: Analysis) -> str:
    if not analysis.claims:
        return "## Claims\n\nNo claim files (`claims/*.claim`)."
    active = [c for c in analysis.claims if c.active]
    expired = [c for c in analysis.claims if not c.active]
    lines = [
        "## Claims",
        "",
        f"{count_of(len(analysis.claims), 'claim')}: {len(active)} active, {len(expired)} expired, "
        f"{count_of(len(analysis.conflicts), 'conflict')}.",
    ]

    def rows(views: Sequence[ClaimView]) -> Iterable[Sequence[str]]:
        for view in views:
            claim, holder = view.claim, view.holder_health
            yield (
                md(claim.name, 60),
                md(claim.claimed_by or "unknown", 40),
                HEALTH[holder].word if holder is not None else "no session file",
                format_utc(claim.expires_at) if claim.expires_at else "never",
            )

    header = ("claim", "held by", "holder", "expires")
    if active:
        lines += ["", "### Active", "", table(header, rows(active), len(active))]
    if expired:
        lines += ["", "### Expired", "", table(header, rows(expired), len(expired))]
    if analysis.conflicts:
        conflict_rows = (
            (md(c.session, 40), md(c.work, 60), md(c.claim, 60), md(c.claimed_by, 40))
            for c in analysis.conflicts
        )
        lines += [
            "",
            "### Conflicts (a live session works on something another session claimed)",
            "",
            table(("session", "work", "claim", "claimed by"), conflict_rows),
        ]
    return "\n".join(lines)


# --- what the coordinator decides (issue 13: analysis.acting.act) -------------------------


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
