"""Auto-escalation: stuck work found, raised once, resolved once; the state file is untrusted."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

from coordinator_tui.analysis.acting.escalate import (
    MAX_ID,
    EscalationState,
    Progress,
    find_incidents,
    step,
)
from coordinator_tui.files.records import Claim, Milestone, Step
from coordinator_tui.files.worktext import names_match, work_words
from coordinator_tui.settings import Settings
from tests.acting import NOW, ago, analysed, claim, heartbeat_event, milestone
from tests.collective import iso, session


def _ids(root: Path, settings: Settings | None = None, now=NOW) -> list[str]:
    return [incident.id for incident in find_incidents(analysed(root, now, settings), settings)]


def test_blocked_for_hours_escalates_once_and_once_more_when_resolved(tmp_path: Path) -> None:
    milestone(
        tmp_path, "payments", status="blocked", updated_at=ago(hours=3), blockers=["no API key"]
    )
    incidents = find_incidents(analysed(tmp_path))
    assert [(i.id, i.kind) for i in incidents] == [
        ("milestone-blocked:payments", "milestone-blocked")
    ]
    assert incidents[0].title == "milestone payments blocked for 3.0 h (no API key)"

    events, state = step(EscalationState(), incidents, NOW)
    assert [(e.action, e.incident_id) for e in events] == [("raised", "milestone-blocked:payments")]
    # Next cycle, same situation (and a later clock): nothing new.
    later = NOW + timedelta(minutes=5)
    events, state = step(state, find_incidents(analysed(tmp_path, later)), later)
    assert events == ()
    # Unblocked: resolved once, then silence.
    milestone(tmp_path, "payments", status="in_progress", updated_at=ago(minutes=1), progress=50)
    events, state = step(state, find_incidents(analysed(tmp_path)), NOW)
    assert [(e.action, e.incident_id, e.title) for e in events] == [
        (
            "resolved",
            "milestone-blocked:payments",
            "milestone payments blocked for 3.0 h (no API key)",
        )
    ]
    events, state = step(state, find_incidents(analysed(tmp_path)), NOW)
    assert events == ()
    assert dict(state.open) == {}


def test_thresholds_default_and_configurable(tmp_path: Path) -> None:
    milestone(tmp_path, "payments", status="blocked", updated_at=ago(minutes=30))
    milestone(tmp_path, "search", status="in_progress", progress=20, updated_at=ago(minutes=90))
    assert _ids(tmp_path) == ["milestone-stalled:search"]
    quick = Settings(escalate_blocked_after_s=600, escalate_stalled_after_s=7200)
    assert _ids(tmp_path, quick) == ["milestone-blocked:payments"]


def test_a_session_waiting_for_input_past_the_threshold(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "deploy", ago(minutes=12), state="waiting")
    session(tmp_path, "session-b", "docs", ago(minutes=4), state="waiting")
    session(tmp_path, "session-c", "tests", ago(minutes=30), state="working")
    (incident,) = find_incidents(analysed(tmp_path))
    assert incident.id == "waiting:session-a"
    assert incident.title == "session-a has waited for input for 12 min (since last heartbeat)"


def test_waiting_since_from_the_field_or_heartbeat_events(tmp_path: Path) -> None:
    session(
        tmp_path,
        "session-a",
        "deploy",
        ago(minutes=1),
        state="waiting",
        waiting_since=iso(ago(minutes=25)),
    )
    session(tmp_path, "session-b", "docs", ago(minutes=1), state="waiting")
    heartbeat_event(tmp_path, "session-b", ago(minutes=40), state="working")
    heartbeat_event(tmp_path, "session-b", ago(minutes=20), state="waiting")
    heartbeat_event(tmp_path, "session-b", ago(minutes=1), state="waiting")
    incidents = {i.id: i for i in find_incidents(analysed(tmp_path))}
    assert incidents["waiting:session-a"].since == ago(minutes=25)
    assert incidents["waiting:session-b"].since == ago(minutes=20)


def test_a_ghost_holding_a_live_claim(tmp_path: Path) -> None:
    session(tmp_path, "session-ghost", "search", ago(minutes=40))
    claim(tmp_path, "search", "session-ghost", ago(minutes=50))
    (incident,) = find_incidents(analysed(tmp_path))
    assert incident.id == "ghost-claim:claims/task-search.claim"
    assert incident.title == "stale session session-ghost still holds the claim task-search"


def test_an_expired_claim_with_no_progress_but_not_one_with_progress(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "other", ago(minutes=1))
    for name in ("search", "billing", "docs"):
        claim(tmp_path, name, "session-a", ago(hours=4), hours=1)
    # billing: its milestone got a step done after the claim; docs: a step naming it
    # was completed by the holder elsewhere; search: nothing.
    done = {"status": "completed", "completed_at": iso(ago(hours=2))}
    milestone(tmp_path, "billing", status="in_progress", steps=[{"step": 1, **done}])
    steps = [{"step": 1, "description": "write docs", "completed_by": "session-a", **done}]
    milestone(tmp_path, "release", status="in_progress", steps=steps, updated_at=ago(hours=5))
    milestone(tmp_path, "search", status="pending", updated_at=ago(hours=5))
    expired = [key for key in _ids(tmp_path) if key.startswith("claim-expired:")]
    assert expired == ["claim-expired:claims/task-search.claim"]


def test_state_round_trips() -> None:
    _, state = step(EscalationState(), [], NOW)
    events, state = step(
        state,
        [
            _incident("milestone-blocked:a", "blocked a"),
            _incident("waiting:s", "s waits"),
        ],
        NOW,
    )
    assert len(events) == 2
    restored, error = EscalationState.from_json(state.to_json())
    assert error is None
    assert restored == state
    assert dict(restored.open)["waiting:s"] == ("waiting", "s waits", NOW)


def test_a_corrupt_state_is_empty_with_an_error_and_re_raises() -> None:
    for text in ("{not json", "[1, 2]", '{"open": 5}', "\x00" * 10):
        state, error = EscalationState.from_json(text)
        assert dict(state.open) == {}
        assert error is not None and "starting empty" in error
    state, _ = EscalationState.from_json("{not json")
    events, _ = step(state, [_incident("waiting:s", "s waits")], NOW)
    assert [e.action for e in events] == ["raised"]


def test_bad_entries_are_skipped_and_counted_good_ones_kept() -> None:
    text = json.dumps(
        {
            "open": {
                "waiting:s": {"kind": "waiting", "title": "s waits", "raised_at": iso(NOW)},
                "bad-time": {"kind": "waiting", "title": "x", "raised_at": 1e400},
                "bad-kind": {"kind": 5, "title": "x", "raised_at": iso(NOW)},
                "x" * (MAX_ID + 1): {"kind": "k", "title": "t", "raised_at": iso(NOW)},
                "not-object": "raised",
            }
        }
    ).replace("1e+400", "1e400")
    state, error = EscalationState.from_json(text)
    assert list(state.open) == ["waiting:s"]
    assert error == "escalation state: 4 bad or excess entries skipped"


def test_a_missing_state_is_empty_without_error() -> None:
    assert EscalationState.from_json(None) == (EscalationState(), None)
    assert EscalationState.from_json("") == (EscalationState(), None)


def test_the_webhook_payload() -> None:
    events, _ = step(EscalationState(), [_incident("waiting:s", "s waits")], NOW)
    assert events[0].payload("/coord") == {
        "type": "coordinator-tui.escalation",
        "action": "raised",
        "incident": "waiting:s",
        "kind": "waiting",
        "title": "s waits",
        "at": "2025-11-15T20:00:00Z",
        "directory": "/coord",
    }


def _incident(key: str, title: str):
    from coordinator_tui.analysis.acting.escalate import Incident

    return Incident(key, key.split(":")[0], key.split(":")[1], title, None)


def _progressed_by_walking(claim: Claim, milestones: list[Milestone]) -> bool:
    """The rule for progress on a claim, as a walk over every milestone and step (what
    ``Progress`` indexes): a milestone the claim names updated or given a completed step
    since it was claimed, or a step naming it completed since by its holder."""
    start = claim.claimed_at
    if start is None:
        return False
    words = work_words(claim.resource_name) or work_words(claim.name)
    for record in milestones:
        named = names_match(words, work_words(record.title) | work_words(record.milestone_id))
        if named and record.updated_at is not None and record.updated_at >= start:
            return True
        for one in record.steps:
            done = one.completed_at
            if done is None or done < start:
                continue
            by_holder = one.completed_by == claim.claimed_by
            if named or (by_holder and names_match(words, work_words(one.description))):
                return True
    return False


def test_progress_on_a_claim_indexed_equals_walking_every_milestone() -> None:
    """``Progress`` (words and holders indexed once) answers as a walk over every milestone
    and step would, on 300 random worlds with shared words, missing times and holders."""
    rng = random.Random(5)
    words = ["api", "auth", "billing", "cache", "docs", "the", "task", "ui"]
    people = [None, "s1", "s2", "s3"]

    def moment() -> datetime | None:
        return None if rng.random() < 0.2 else NOW - timedelta(minutes=rng.randrange(0, 300))

    def phrase() -> str:
        return " ".join(rng.sample(words, rng.randrange(0, 3)))

    for _ in range(300):
        milestones = [
            Milestone(
                path=f"m{index}.json",
                milestone_id=f"{phrase()}-{index}",
                title=phrase(),
                updated_at=moment(),
                steps=tuple(
                    Step(
                        description=phrase(), completed_by=rng.choice(people), completed_at=moment()
                    )
                    for _ in range(rng.randrange(0, 4))
                ),
            )
            for index in range(rng.randrange(0, 8))
        ]
        progress = Progress(milestones)
        for index in range(10):
            claim = Claim(
                path=f"c{index}.claim",
                name=phrase(),
                resource_name=phrase() if rng.random() < 0.5 else None,
                claimed_by=rng.choice(people),
                claimed_at=moment(),
            )
            assert progress.since_claimed(claim) == _progressed_by_walking(claim, milestones)
