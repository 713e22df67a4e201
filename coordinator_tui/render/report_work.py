"""The report's sections about work: who works on what, twice, or not at all.

Active work, duplicate work, possible overlaps, idle sessions with suggestions,
and claims. Each section says what is really there: an empty one says how many
things were looked at, never a canned all-clear.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from coordinator_tui.analysis import Analysis, ClaimView, Health, SessionView
from coordinator_tui.files.timeparse import format_utc
from coordinator_tui.render.health import HEALTH
from coordinator_tui.render.markdown import md, table
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
