"""Start or stop sessions: from the queue, the live sessions and the last hour of samples."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from coordinator_tui.analysis.acting.resources import advise_resources
from tests.acting import ago, analysed, priorities
from tests.collective import session


@dataclass(frozen=True)
class Sample:
    time: datetime
    idle: int
    working: int = 1
    live: int = 1


def test_work_waits_and_nobody_was_idle_all_hour_start_more(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "billing", ago(minutes=1))
    priorities(tmp_path, "90:search:Search", "80:docs:Docs", "70:billing:Billing")
    samples = [Sample(ago(minutes=minutes), idle=0) for minutes in (50, 30, 10)]
    advice = advise_resources(analysed(tmp_path), samples)
    # billing is worked on: two priorities wait.
    assert (advice.action, advice.count, advice.waiting_work) == ("start", 2, 2)
    assert (
        advice.reason == "2 priorities wait and no session is idle (3 samples in the last 60 min)"
    )


def test_an_idle_moment_within_the_hour_holds_off(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "billing", ago(minutes=1))
    priorities(tmp_path, "90:search:Search")
    samples = [Sample(ago(minutes=40), idle=1), Sample(ago(minutes=5), idle=0)]
    # A sample older than the window does not count.
    samples.append(Sample(ago(hours=3), idle=0))
    advice = advise_resources(analysed(tmp_path), samples)
    assert (advice.action, advice.count, advice.window_samples) == ("none", 0, 2)


def test_without_history_the_present_decides(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "billing", ago(minutes=1))
    priorities(tmp_path, "90:search:Search")
    advice = advise_resources(analysed(tmp_path))
    assert (advice.action, advice.count) == ("start", 1)
    assert "no history" in advice.reason


def test_long_idle_with_nothing_available_stop_them(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "billing", ago(minutes=1))
    session(tmp_path, "session-old", None, ago(minutes=1), started=ago(hours=3))
    session(tmp_path, "session-older", None, ago(minutes=1), started=ago(hours=5))
    session(tmp_path, "session-new", None, ago(minutes=1), started=ago(minutes=5))
    priorities(tmp_path, "70:billing:Billing")  # worked on: nothing available
    advice = advise_resources(analysed(tmp_path))
    assert (advice.action, advice.count) == ("stop", 2)
    assert advice.sessions == ("session-older", "session-old")
    assert advice.reason == "idle for more than 30 min with no available priority"


def test_idle_sessions_with_work_available_need_nothing(tmp_path: Path) -> None:
    session(tmp_path, "session-old", None, ago(minutes=1), started=ago(hours=3))
    priorities(tmp_path, "90:search:Search", "80:docs:Docs")
    advice = advise_resources(analysed(tmp_path))
    # One is suggested to the idle session; one waits, but someone is idle.
    assert (advice.action, advice.idle_now, advice.waiting_work) == ("none", 1, 1)
    assert advice.reason == "1 idle sessions for 2 available priorities"
