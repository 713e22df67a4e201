"""``status --json``: the analysis as the documented ``StatusDocument`` (``status_document``).

Each part of the document is made by its own function below, from the analysis and
what the coordinator decides (``analysis.acting.act``), as the typed dictionaries of
``render.status_document``. Strings are emitted whole; the encoder
(``render.sanitize``) escapes every control character (C0, DEL and C1) and lone
surrogates (a file name that is not UTF-8), so the document is safe to print to any
terminal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from coordinator_tui.analysis import (
    Analysis,
    ClaimView,
    Health,
    MessageSummary,
    MilestoneSummary,
    PriorityView,
    SessionView,
)
from coordinator_tui.analysis.acting.act import Acting, act
from coordinator_tui.analysis.acting.predict import MilestoneForecast, SessionForecast
from coordinator_tui.analysis.acting.quality import QualityRecord
from coordinator_tui.analysis.acting.resolve import Resolution
from coordinator_tui.analysis.acting.resources import ResourceAdvice
from coordinator_tui.analysis.receipts import Receipt
from coordinator_tui.analysis.results import Suggestion
from coordinator_tui.files.timeparse import format_utc
from coordinator_tui.render import status_document as doc
from coordinator_tui.render.sanitize import dumps, write
from coordinator_tui.render.usage_json import session_usage, usage_dict

__all__ = ["dumps", "status_document", "write"]

LATEST_MESSAGES = 20
"""Newest messages listed; ``broadcast``/``direct`` count them all."""


def _time(moment: datetime | None) -> str | None:
    return format_utc(moment) if moment is not None else None


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def status_document(analysis: Analysis, acting: Acting | None = None) -> doc.StatusDocument:
    """The whole document. ``acting`` is computed from the analysis alone (no history)
    when not given."""
    acting = acting if acting is not None else act(analysis)
    counts = analysis.counts
    return {
        "schema": doc.SCHEMA_VERSION,
        "root": str(analysis.root),
        "now": _time(analysis.now),
        "exists": analysis.exists,
        "counts": {
            "total": counts.total,
            "live": counts.live,
            "working": counts.working,
            "idle": counts.idle,
            "stale": counts.stale,
            "gone": counts.gone,
            "waiting": counts.waiting,
            "ended": counts.ended,
            "starting": counts.starting,
            "utilization": round(counts.utilization, 4),
        },
        "sessions": [_session(view, acting) for view in analysis.sessions],
        "duplicates": [
            {"work": group.work, "key": group.work_key, "sessions": list(group.sessions)}
            for group in analysis.duplicates
        ],
        "overlaps": [
            {
                "sessions": [overlap.first, overlap.second],
                "works": [overlap.first_work, overlap.second_work],
                "score": overlap.score,
            }
            for overlap in analysis.overlaps
        ],
        "overlap_threshold": analysis.settings.overlap_threshold,
        "overlaps_found": analysis.overlaps_found,
        "overlaps_capped": analysis.overlaps_capped,
        "conflicts": [
            {
                "session": conflict.session,
                "work": conflict.work,
                "claim": conflict.claim,
                "claimed_by": conflict.claimed_by,
            }
            for conflict in analysis.conflicts
        ],
        "claims": [_claim(view) for view in analysis.claims],
        "priorities": [_priority(view) for view in analysis.priorities],
        "suggestions": [
            {
                "session": suggestion.session,
                "priority": suggestion.priority,
                "score": suggestion.score,
                "reason": suggestion.reason,
            }
            for suggestion in analysis.suggestions
        ],
        "milestones": _milestones(analysis.milestones, acting),
        "messages": _messages(analysis.messages, acting),
        "files": {
            kind: {"found": count.found, "read": count.read, "recovered": count.recovered}
            for kind, count in analysis.files.items()
        },
        "errors": [
            {
                "path": error.path,
                "reason": error.reason,
                "kind": error.kind,
                "severity": error.severity,
            }
            for error in analysis.errors
        ],
        "resolutions": [_resolution(item) for item in acting.resolutions],
        "early_suggestions": [_suggestion(item) for item in acting.early_suggestions],
        "resources": _resources(acting.resources),
        "quality": [_quality(record) for record in acting.quality],
        "incidents": [
            {
                "id": item.id,
                "kind": item.kind,
                "subject": item.subject,
                "title": item.title,
                "since": _time(item.since),
            }
            for item in acting.incidents
        ],
        "check": {
            "code": acting.check.code,
            "problems": list(acting.check.problems),
            "reasons": list(acting.check.reasons),
        },
        "usage": usage_dict(acting.costs),
    }


_AGENT_FIELDS = ("state", "agent", "cwd", "tmux_pane", "host", "pid")


_NO_AGENT_FIELDS: dict[str, Any] = dict.fromkeys(_AGENT_FIELDS)


def _agent_fields(extra: dict[str, Any]) -> dict[str, Any]:
    """What the agent hooks and the session client add, null when a session lacks it
    (``state``, ``agent``, ``cwd``, ``tmux_pane``, ``host``: text; ``pid``: an integer)."""
    if not extra:
        return _NO_AGENT_FIELDS  # only ever read
    fields: dict[str, Any] = {}
    for name in _AGENT_FIELDS:
        value = extra.get(name)
        if name == "pid":
            fields[name] = value if isinstance(value, int) and not isinstance(value, bool) else None
        else:
            fields[name] = value if isinstance(value, str) else None
    return fields


_HEALTH_WORDS = {health: health.value for health in Health}
"""``Health.value`` is a property, slow 10,000 times over."""


def _session(view: SessionView, acting: Acting) -> doc.Session:
    agent = _agent_fields(view.session.extra)
    return {
        "id": view.id,
        "file": view.key,
        "health": _HEALTH_WORDS[view.health],
        "status": view.session.status,
        "current_work": view.session.current_work,
        "placeholder_work": view.placeholder,
        "last_heartbeat": _time(view.heartbeat),
        "heartbeat_age_s": _round(view.heartbeat_age_s),
        "heartbeat_count": view.session.heartbeat_count,
        "capabilities": list(view.session.capabilities),
        "started_at": _time(view.session.started_at),
        "duplicate": view.duplicate,
        "conflict": view.conflict,
        "recovered": view.session.recovered,
        "kept_last_good": view.kept_last_good,
        "state": agent["state"],
        "agent": agent["agent"],
        "cwd": agent["cwd"],
        "tmux_pane": agent["tmux_pane"],
        "host": agent["host"],
        "pid": agent["pid"],
        "forecast": _session_forecast(acting.forecast_of_session(view.id)),
        "usage": session_usage(acting.costs.of_session(view.id)),
    }


def _claim(view: ClaimView) -> doc.Claim:
    return {
        "name": view.claim.name,
        "file": view.claim.path,
        "claimed_by": view.claim.claimed_by,
        "resource_type": view.claim.resource_type,
        "resource_name": view.claim.resource_name,
        "expires_at": _time(view.claim.expires_at),
        "active": view.active,
    }


def _priority(view: PriorityView) -> doc.Priority:
    return {
        "score": view.item.score,
        "name": view.item.name,
        "description": view.item.description,
        "available": view.available,
        "worked_on_by": list(view.worked_on_by),
        "claimed_by": view.claimed_by,
    }


def _milestones(summary: MilestoneSummary, acting: Acting) -> doc.Milestones:
    return {
        "total": summary.total,
        "by_status": summary.by_status,
        "completion_pct": summary.completion_pct,
        "mean_progress": summary.mean_progress,
        "stalled": summary.stalled,
        "items": [
            {
                "id": view.milestone.milestone_id,
                "file": view.milestone.path,
                "title": view.milestone.title,
                "status": view.milestone.status,
                "owner": view.milestone.owner,
                "priority": view.milestone.priority,
                "progress": view.progress,
                "progress_source": view.progress_source,
                "steps_done": view.steps_done,
                "steps_total": view.steps_total,
                "updated_at": _time(view.milestone.updated_at),
                "stalled": view.stalled,
                "forecast": _milestone_forecast(
                    acting.forecast_of_milestone(view.milestone.milestone_id)
                ),
            }
            for view in summary.items
        ],
    }


def _messages(summary: MessageSummary, acting: Acting) -> doc.Messages:
    receipts = _receipts(acting.receipts)
    return {
        "broadcast": summary.broadcast,
        "direct": summary.direct,
        "recovered": summary.recovered,
        "latest": [
            {
                "file": message.path,
                "kind": message.kind,
                "from": message.sender,
                "to": message.to,
                "timestamp": _time(message.timestamp),
                "subject": message.subject,
                "recovered": message.recovered,
                "receipts": receipts.get(message.path, []),
            }
            for message in summary.latest[:LATEST_MESSAGES]
        ],
    }


def _receipts(receipts: tuple[Receipt, ...]) -> dict[str, list[doc.Receipt]]:
    """Each message file's receipts, one per recipient."""
    by_message: dict[str, list[doc.Receipt]] = {}
    for receipt in receipts:
        by_message.setdefault(receipt.message, []).append(
            {
                "session": receipt.session,
                "stage": receipt.stage,
                "written_at": _time(receipt.written_at),
                "delivered": receipt.delivered,
                "delivered_at": _time(receipt.delivered_at),
                "acted_at": _time(receipt.acted_at),
            }
        )
    return by_message


def _resolution(item: Resolution) -> doc.Resolution:
    return {
        "kind": item.kind,
        "work": item.work,
        "yielder_work": item.yielder_work,
        "keeper": item.keeper,
        "yielder": item.yielder,
        "rule": item.rule,
        "reason": item.reason,
        "suggestion": _suggestion(item.suggestion) if item.suggestion else None,
        "situation_key": item.situation_key,
    }


def _resources(advice: ResourceAdvice) -> doc.Resources:
    return {
        "action": advice.action,
        "count": advice.count,
        "sessions": list(advice.sessions),
        "reason": advice.reason,
        "waiting_work": advice.waiting_work,
        "idle_now": advice.idle_now,
        "window_samples": advice.window_samples,
    }


def _quality(record: QualityRecord) -> doc.Quality:
    return {
        "session": record.session,
        "finished": record.finished,
        "steps_completed": record.steps_completed,
        "milestones_completed": record.milestones_completed,
        "claims_completed": record.claims_completed,
        "claims_expired": record.claims_expired,
        "duplicates_caused": record.duplicates_caused,
        "waiting_s": record.waiting_s,
        "messages_received": record.messages_received,
        "messages_answered": record.messages_answered,
        "approximations": list(record.approximations),
    }


def _suggestion(item: Suggestion) -> doc.NextPriority:
    return {
        "session": item.session,
        "priority": item.priority,
        "score": item.score,
        "description": item.description,
        "reason": item.reason,
    }


def _milestone_forecast(item: MilestoneForecast | None) -> doc.MilestoneForecast | None:
    if item is None:
        return None
    return {
        "eta": _time(item.eta),
        "method": item.method,
        "velocity_per_h": _round(item.velocity_per_h, 3),
        "basis": item.basis,
        "why_not": item.why_not,
    }


def _session_forecast(item: SessionForecast | None) -> doc.SessionForecast | None:
    if item is None:
        return None
    return {
        "eta": format_utc(item.eta),
        "milestone": item.milestone_id,
        "method": item.method,
        "finishing_soon": item.finishing_soon,
    }
