"""Every analysis rule, on fixtures modelled on the real failure kinds."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from coordinator_tui.analysis import TRANSIENT_GRACE_S, Analysis, Health, analyse
from coordinator_tui.settings import Settings
from coordinator_tui.store import Store
from tests.collective import NOW, ago, session, write_json


def run(root: Path, now=NOW, settings: Settings | None = None) -> Analysis:
    store = Store(root, settings)
    store.scan()
    return analyse(store.snapshot(), now, settings)


def health(analysis: Analysis) -> dict[str, str]:
    return {view.id: view.health.value for view in analysis.sessions}


def test_health_comes_from_heartbeat_age_not_status(collective: Path) -> None:
    result = health(run(collective))
    assert result["session-1001"] == "working"
    assert result["session-1005"] == "idle"  # placeholder work
    assert result["session-1006"] == "idle"  # null work, epoch-float heartbeat
    assert result["session-1007"] == "idle"  # "… UTC" heartbeat
    assert result["session-1008"] == "stale"  # 30 minutes
    assert result["session-1009"] == "gone"  # says active, heartbeat 3 days old: a ghost
    assert result["session-1010"] == "gone"  # status ended, fresh heartbeat
    assert result["session-1011"] == "gone"


def test_counts_and_utilization(collective: Path) -> None:
    counts = run(collective).counts
    assert (counts.total, counts.live, counts.working, counts.idle, counts.stale, counts.gone) == (
        12,
        8,
        5,
        3,
        1,
        3,
    )
    assert counts.utilization == pytest.approx(5 / 8)


def test_thresholds_are_configurable(collective: Path) -> None:
    settings = Settings(stale_after_s=60, gone_after_s=1000)
    result = health(run(collective, settings=settings))
    assert result["session-1004"] == "stale"  # 4 minutes > 1 minute
    assert result["session-1008"] == "gone"  # 30 minutes > 1000 s


def test_clock_alone_turns_a_session_stale(collective: Path) -> None:
    store = Store(collective)
    store.scan()
    snapshot = store.snapshot()
    assert analyse(snapshot, NOW).session("sessions/session-1001.json").health is Health.WORKING
    later = NOW + timedelta(minutes=9)
    assert analyse(snapshot, later).session("sessions/session-1001.json").health is Health.STALE
    much_later = NOW + timedelta(hours=3)
    assert analyse(snapshot, much_later).session("sessions/session-1001.json").health is Health.GONE


def test_duplicates_after_normalisation_never_from_placeholders(collective: Path) -> None:
    analysis = run(collective)
    assert [(g.work_key, g.sessions) for g in analysis.duplicates] == [
        ("consciousness loop build", ("session-1001", "session-1002"))
    ]
    duplicated = {view.id for view in analysis.sessions if view.duplicate}
    assert duplicated == {"session-1001", "session-1002"}


def test_nine_placeholders_are_idle_not_duplicates(tmp_path: Path) -> None:
    for number in range(9):
        session(tmp_path, f"session-{number}", "session initialization", ago(minutes=1))
    session(tmp_path, "session-null", None, ago(minutes=1))
    session(tmp_path, "session-idle", "IDLE", ago(minutes=1))
    analysis = run(tmp_path)
    assert analysis.duplicates == () and analysis.overlaps == ()
    assert analysis.counts.idle == 11


def test_dead_sessions_are_not_duplicates(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "deploy dashboard", ago(minutes=1))
    session(tmp_path, "session-b", "deploy dashboard", ago(days=2))
    assert run(tmp_path).duplicates == ()


def test_possible_overlaps_with_scores(collective: Path) -> None:
    analysis = run(collective)
    pairs = {(o.first, o.second): o.score for o in analysis.overlaps}
    assert pairs == {("session-1003", "session-1004"): pytest.approx(0.667, abs=0.001)}
    strict = run(collective, settings=Settings(overlap_threshold=0.9))
    assert strict.overlaps == ()
    store = Store(collective)
    store.scan()
    unsearched = analyse(store.snapshot(), NOW, overlaps=False)  # the dashboard's first page
    assert (unsearched.overlaps, unsearched.overlaps_found) == ((), 0)
    assert replace(analysis, overlaps=(), overlaps_found=0) == unsearched


def test_claims_active_expired_and_conflicts(collective: Path) -> None:
    analysis = run(collective)
    active = {view.claim.name: view.active for view in analysis.claims}
    assert active == {
        "droplet-dashboard": True,
        "service-i-proactive": False,
        "script-consciousness-loop": True,  # no expiry: claimed_at + duration
    }
    conflicts = {(c.session, c.claim, c.claimed_by) for c in analysis.conflicts}
    assert conflicts == {
        ("session-1001", "script-consciousness-loop", "session-1003"),
        ("session-1002", "script-consciousness-loop", "session-1003"),
    }


def test_claim_expiry_from_duration(collective: Path) -> None:
    later = NOW + timedelta(hours=2)
    analysis = run(collective, now=later)
    claim = next(v for v in analysis.claims if v.claim.name == "script-consciousness-loop")
    assert claim.claim.expires_at == ago(minutes=10) + timedelta(hours=1)
    assert claim.active is False


def test_priorities_availability(collective: Path) -> None:
    analysis = run(collective)
    views = {view.item.name: view for view in analysis.priorities}
    assert views["consciousness_loop"].available is False
    assert views["consciousness_loop"].worked_on_by == ("session-1001", "session-1002")
    assert views["spec_generation"].available is True  # only a stale session had it
    assert views["deploy_docs"].available is True
    assert [p.item.score for p in analysis.priorities] == [90, 72, 64, 55]
    assert views["spec_generation"].item.description == "Generate SPEC.md for services: all of them"


def test_priority_held_by_a_claim_is_not_available(collective: Path) -> None:
    write_json(
        collective / "claims" / "service-orchestrator-restart.claim",
        {
            "claimed_by": "session-1004",
            "resource_name": "orchestrator-restart",
            "expires_at": "2025-11-15T23:00:00Z",
        },
    )
    views = {view.item.name: view for view in run(collective).priorities}
    assert views["orchestrator_restart"].available is False
    assert views["orchestrator_restart"].claimed_by == "session-1004"


def test_suggestions_longest_idle_first_and_capability_match(collective: Path) -> None:
    analysis = run(collective)
    assert [(s.session, s.priority) for s in analysis.suggestions] == [
        ("session-1005", "deploy_docs"),  # idle 3 h, capability "docs"
        ("session-1006", "spec_generation"),  # idle 2 h, "deploy ops" fits nothing free
        ("session-1007", "orchestrator_restart"),
    ]
    assert analysis.suggestions[0].reason == "matches docs"


def test_milestones_progress_totals_and_stalled(collective: Path) -> None:
    summary = run(collective).milestones
    progress = {
        view.milestone.milestone_id: (view.progress, view.progress_source) for view in summary.items
    }
    assert progress["deploy-dashboard"] == (50.0, "steps")
    assert progress["treasury"] == (40.0, "progress")
    assert progress["registry"] == (100.0, "status")
    assert progress["SPRINT_1"] == (100.0, "status")
    assert progress["SPRINT_2"] == (50.0, "steps")
    assert summary.by_status == {"abandoned": 1, "completed": 2, "in_progress": 3}
    assert summary.total == 6
    assert summary.completion_pct == 40.0  # 2 of 5 non-abandoned
    stalled = {view.milestone.milestone_id for view in summary.items if view.stalled}
    assert stalled == {"deploy-dashboard"}  # in progress, untouched for 2 days


def test_messages_newest_first_with_counts(collective: Path) -> None:
    messages = run(collective).messages
    assert (messages.broadcast, messages.direct, messages.recovered) == (4, 1, 3)
    subjects = [m.subject for m in messages.latest]
    assert subjects[0] == "Pick up spec generation?"
    assert subjects[-1] == "New session started"
    pasted = next(m for m in messages.latest if m.sender == "session-1012")
    assert pasted.body.startswith('{\n  "type": "system"')
    escaped = next(m for m in messages.latest if m.sender == "session-1004")
    assert escaped.body == "Dashboards now available! Costs $0."


def test_errors_list_path_and_reason(collective: Path) -> None:
    bad = collective / "sessions" / "session-bad.json"
    bad.write_text("{ this is not json")
    old = (NOW - timedelta(hours=1)).timestamp()
    os.utime(bad, (old, old))
    errors = {(e.path, e.severity): e.reason for e in run(collective).errors}
    assert ("sessions/session-bad.json", "error") in errors
    assert "invalid JSON" in errors[("sessions/session-bad.json", "error")]
    assert errors[("priorities.txt", "warning")] == "line 7 is not score:name:description"


def test_transient_failure_hidden_during_grace_then_listed(collective: Path) -> None:
    store = Store(collective)
    store.scan()
    path = collective / "sessions" / "session-1001.json"
    path.write_text("")
    store.apply([path])
    mtime = path.stat().st_mtime
    from datetime import datetime, timezone

    at_write = datetime.fromtimestamp(mtime, tz=timezone.utc)
    during = analyse(store.snapshot(), at_write + timedelta(seconds=0.5))
    assert during.pending_errors == 1
    assert all(e.path != "sessions/session-1001.json" for e in during.errors)
    assert during.session("sessions/session-1001.json").kept_last_good
    after = analyse(store.snapshot(), at_write + timedelta(seconds=TRANSIENT_GRACE_S + 1))
    listed = [e for e in after.errors if e.path == "sessions/session-1001.json"]
    assert listed and "showing the last good read" in listed[0].reason


def test_two_files_claiming_one_id_are_both_shown_and_flagged(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "x", ago(minutes=1))
    write_json(
        tmp_path / "sessions" / "session-a-copy.json",
        {"session_id": "session-a", "last_heartbeat": "2025-11-15T19:59:00Z"},
    )
    analysis = run(tmp_path)
    assert {v.key for v in analysis.sessions if v.id == "session-a"} == {
        "sessions/session-a-copy.json",
        "sessions/session-a.json",
    }
    reasons = [e.reason for e in analysis.errors]
    assert any("also claimed by sessions/session-a.json" in r for r in reasons)
    assert any("differs from the file name session-a-copy" in r for r in reasons)


def test_heartbeat_event_files_count_for_liveness(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "x", ago(hours=1))
    write_json(
        tmp_path / "heartbeats" / "2025-11-15_19-59-00-session-a.json",
        {"session_id": "session-a", "timestamp": "2025-11-15T19:59:00Z"},
    )
    assert health(run(tmp_path)) == {"session-a": "working"}


def test_far_future_heartbeat_does_not_keep_a_ghost_alive(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "x", "2999-01-01T00:00:00Z")
    session(tmp_path, "session-b", "y", (NOW + timedelta(minutes=2)))  # small clock skew
    analysis = run(tmp_path)
    assert health(analysis) == {"session-a": "gone", "session-b": "working"}
    assert any("in the future; ignored" in e.reason for e in analysis.errors)


def test_next_change_is_the_first_health_threshold(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "x", ago(minutes=9))  # stale in 1 minute
    session(tmp_path, "session-b", "y", ago(minutes=2))
    analysis = run(tmp_path)
    assert analysis.next_change_at == NOW + timedelta(minutes=1)
    later = run(tmp_path, now=NOW + timedelta(minutes=1, seconds=1))
    assert later.session("sessions/session-a.json").health is Health.STALE


def test_a_dense_cluster_of_alike_work_is_capped_not_exploded(tmp_path: Path) -> None:
    from coordinator_tui.analysis.sessions import MAX_OVERLAPS

    for number in range(120):
        session(
            tmp_path, f"session-{number}", f"task {number} deploy dashboard part 3", ago(minutes=1)
        )
    analysis = run(tmp_path)
    # 120 works all alike: 7,140 pairs exist; the best MAX_OVERLAPS are listed and the
    # result says it is not the whole list.
    assert len(analysis.overlaps) == MAX_OVERLAPS
    assert analysis.overlaps_capped is True
    assert analysis.overlaps_found > MAX_OVERLAPS
    assert all(o.score >= 0.6 for o in analysis.overlaps)


def test_small_overlap_lists_are_whole(collective: Path) -> None:
    analysis = run(collective)
    assert analysis.overlaps_found == len(analysis.overlaps) == 1
    assert analysis.overlaps_capped is False


def test_the_analysis_never_sleeps_nor_knows_about_keys() -> None:
    """The core is pure: a screen that needs it out of its way runs it in a worker. No
    module under ``analysis/`` imports the dashboard's key pacing or sleeps."""
    import ast

    import coordinator_tui.analysis as package

    found = []
    for path in Path(package.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                names = [module, *(f"{module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Attribute) and node.attr == "sleep":
                names = ["sleep"]
            banned = ("coordinator_tui.pace", "sleep", "time.sleep")
            found += [f"{path.name}: {name}" for name in names if name.startswith(banned)]
    assert found == []
