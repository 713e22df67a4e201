"""status --check codes: one flag per kind of problem, summed."""

from __future__ import annotations

from pathlib import Path

from coordinator_tui.analysis.acting.checks import (
    CHECK_CONFLICT,
    CHECK_DUPLICATE,
    CHECK_STALE,
    CHECK_WAITING,
    check,
)
from tests.acting import ago, analysed, claim
from tests.collective import session


def test_a_clean_directory_is_zero(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "billing", ago(minutes=1))
    result = check(analysed(tmp_path))
    assert (result.code, result.problems, result.reasons) == (0, (), ())


def test_every_problem_at_once(tmp_path: Path) -> None:
    session(tmp_path, "session-a", "billing", ago(minutes=1))
    session(tmp_path, "session-b", "Billing", ago(minutes=1))
    session(tmp_path, "session-c", "search engine", ago(minutes=1))
    claim(tmp_path, "search", "session-a", ago(minutes=5))
    session(tmp_path, "session-d", "docs", ago(minutes=30))
    session(tmp_path, "session-e", "deploy", ago(minutes=20), state="waiting")
    result = check(analysed(tmp_path))
    assert result.code == CHECK_DUPLICATE + CHECK_CONFLICT + CHECK_WAITING + CHECK_STALE == 60
    assert result.problems == ("duplicate", "conflict", "waiting", "stale")
    assert result.reasons[0] == "1 duplicate work group(s), e.g. 'billing': session-a, session-b"
    assert result.reasons[2] == "1 session(s) waiting for input: session-e"
    # The waiting session's heartbeat is old too, but it counts as waiting, not stale.
    assert result.reasons[3] == "1 stale session(s): session-d"


def test_codes_never_collide_with_error_or_usage() -> None:
    flags = (CHECK_DUPLICATE, CHECK_CONFLICT, CHECK_WAITING, CHECK_STALE)
    sums = {sum(f for i, f in enumerate(flags) if mask >> i & 1) for mask in range(16)}
    assert len(sums) == 16
    assert not sums & {1, 2, 3}
    assert max(sums) < 126
