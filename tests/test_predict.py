"""Predictive scheduling: milestone velocity and ETA, session finish, early suggestions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from coordinator_tui.analysis.acting.predict import (
    early_suggestions,
    forecast_milestones,
    forecast_sessions,
)
from tests.acting import NOW, ago, analysed, milestone, priorities
from tests.collective import iso, session


def _forecast(root: Path, **history):
    analysis = analysed(root)
    return {item.milestone_id: item for item in forecast_milestones(analysis, history)}


def test_forty_percent_after_two_hours_is_due_three_hours_ahead(tmp_path: Path) -> None:
    milestone(
        tmp_path,
        "search",
        status="in_progress",
        progress=40,
        created_at=ago(hours=2),
        updated_at=ago(minutes=5),
    )
    forecast = _forecast(tmp_path)["search"]
    assert forecast.method == "created"
    assert forecast.velocity_per_h == pytest.approx(20.0)
    assert forecast.eta == NOW + timedelta(hours=3)
    assert forecast.why_not is None
    assert forecast.basis == "40 % in 2.0 h since created_at"


def test_history_samples_are_preferred_and_ignore_the_idle_start(tmp_path: Path) -> None:
    milestone(tmp_path, "search", status="in_progress", progress=50, created_at=ago(hours=10))
    samples = [(ago(hours=4), 10.0), (ago(hours=3), 10.0), (ago(hours=1), 30.0)]
    forecast = _forecast(tmp_path, search=samples)["search"]
    # Progress began to move 3 h ago at 10 %: 40 points in 3 h, 50 to go.
    assert forecast.method == "history"
    assert forecast.velocity_per_h == pytest.approx(40 / 3)
    assert forecast.eta == NOW + timedelta(hours=3.75)


def test_step_completion_times_without_created_at(tmp_path: Path) -> None:
    steps = [
        {"step": 1, "status": "completed", "completed_at": iso(ago(hours=3))},
        {"step": 2, "status": "completed", "completed_at": iso(ago(hours=1))},
        {"step": 3, "status": "pending"},
        {"step": 4, "status": "pending"},
    ]
    milestone(tmp_path, "deploy", status="in_progress", steps=steps, updated_at=ago(minutes=5))
    forecast = _forecast(tmp_path)["deploy"]
    # One step (25 points) after the first one, in 3 h; 50 points to go.
    assert forecast.method == "steps"
    assert forecast.velocity_per_h == pytest.approx(25 / 3)
    assert forecast.eta == NOW + timedelta(hours=6)
    assert forecast.basis == "2 of 4 steps in 3.0 h since the first completed step"


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({"status": "completed", "progress": 100}, "completed"),
        ({"status": "blocked", "progress": 30, "created_at": ago(hours=2)}, "blocked"),
        ({"status": "abandoned", "progress": 30}, "abandoned"),
        ({"status": "in_progress", "progress": 0, "created_at": ago(hours=2)}, "no progress"),
        (
            {"status": "in_progress", "progress": 30, "created_at": ago(minutes=3)},
            "too little data",
        ),
        ({"status": "in_progress", "progress": 30}, "too little data"),
        ({"status": "in_progress", "progress": 30, "updated_at": ago(days=3)}, "stalled"),
    ],
)
def test_no_eta_says_why(tmp_path: Path, fields: dict, why: str) -> None:
    milestone(tmp_path, "m", **fields)
    forecast = _forecast(tmp_path)["m"]
    assert (forecast.eta, forecast.method, forecast.why_not) == (None, None, why)


def test_a_session_about_to_finish_gets_its_next_suggestion_early(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "search index", ago(minutes=1), capabilities=["docs"])
    session(tmp_path, "session-b", "billing", ago(minutes=1))
    milestone(
        tmp_path,
        "search-index",
        title="Search index",
        owner="session-a",
        status="in_progress",
        progress=95,
        created_at=ago(hours=2),
        updated_at=ago(minutes=1),
    )
    milestone(
        tmp_path,
        "billing",
        owner="available",
        status="in_progress",
        progress=10,
        created_at=ago(hours=2),
        updated_at=ago(minutes=1),
    )
    priorities(tmp_path, "90:refactor:Refactor the core", "50:docs:Write the user docs")
    analysis = analysed(tmp_path)
    sessions = forecast_sessions(analysis, forecast_milestones(analysis))
    assert [(s.session, s.milestone_id, s.finishing_soon) for s in sessions] == [
        ("session-a", "search-index", True),
        ("session-b", "billing", False),
    ]
    # 5 points left at 47.5 points an hour: about 6 minutes.
    assert sessions[0].eta == NOW + timedelta(hours=5 / 47.5)
    (early,) = early_suggestions(analysis, sessions)
    assert (early.session, early.priority) == ("session-a", "docs")
    assert early.reason == "search-index due in ~6 min; matches docs"


def test_an_idle_session_has_no_forecast(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "session initialization", ago(minutes=1))
    milestone(
        tmp_path, "x", owner="session-a", status="in_progress", progress=50, created_at=ago(hours=1)
    )
    analysis = analysed(tmp_path)
    assert forecast_sessions(analysis, forecast_milestones(analysis)) == ()
