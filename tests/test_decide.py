"""``headless.decide``: which broadcasts are new, decided without writing anything."""

from __future__ import annotations

from pathlib import Path

from coordinator_tui.analysis import Analysis, analyse
from coordinator_tui.headless import decide
from coordinator_tui.store import Store
from coordinator_tui.write.alert_state import AlertState, load_alert_state, save_alert_state
from tests.collective import NOW, ago, session

DUPLICATE_KEY = "consciousness loop build"
MEMBERS = ("session-1001", "session-1002")


def analysis_of(root: Path) -> Analysis:
    store = Store(root)
    store.scan()
    return analyse(store.snapshot(), NOW)


def test_a_new_duplicate_group_is_alerted_and_a_gone_one_forgotten(collective: Path) -> None:
    state = AlertState(duplicates={"old work": ("a", "b")})
    analysis = analysis_of(collective)
    plan = decide.duplicates(analysis, state)
    assert plan.forget == ("old work",)
    assert [(alert.key, alert.sessions) for alert in plan.alerts] == [(DUPLICATE_KEY, MEMBERS)]
    broadcast = plan.alerts[0].broadcast
    assert broadcast.step == "duplicates"
    assert broadcast.subject.startswith("Duplicate work: ")
    assert broadcast.data == {"work": analysis.duplicates[0].work, "sessions": [*MEMBERS]}


def test_a_known_group_is_alerted_again_only_when_its_members_change(collective: Path) -> None:
    state = AlertState(duplicates={DUPLICATE_KEY: MEMBERS})
    assert decide.duplicates(analysis_of(collective), state).alerts == ()
    session(collective, "session-1013", "consciousness loop build", ago(minutes=1))
    alerts = decide.duplicates(analysis_of(collective), state).alerts
    assert [alert.sessions for alert in alerts] == [(*MEMBERS, "session-1013")]


def test_suggestions_are_sent_when_they_change_and_an_empty_set_is_only_remembered(
    collective: Path,
) -> None:
    analysis = analysis_of(collective)
    plan = decide.suggestions(analysis, AlertState())
    assert plan is not None and plan.broadcast is not None
    pairs = tuple(sorted((s.session, s.priority) for s in analysis.suggestions))
    assert plan.pairs == pairs and len(pairs) > 0
    assert plan.broadcast.data == {"pairs": [list(pair) for pair in pairs]}
    assert decide.suggestions(analysis, AlertState(suggestions=pairs)) is None
    cleared = decide.suggestions(analysis_of(collective / "empty"), AlertState(suggestions=pairs))
    assert cleared == decide.SuggestionPlan((), None)


def test_every_n_cycles() -> None:
    assert [cycle for cycle in range(1, 10) if decide.due(cycle, 3)] == [3, 6, 9]
    assert not any(decide.due(cycle, 0) for cycle in range(1, 10))


def test_alert_state_round_trips_and_a_broken_file_is_a_reason(tmp_path: Path) -> None:
    assert load_alert_state(tmp_path) == (AlertState(), None)
    state = AlertState(duplicates={DUPLICATE_KEY: MEMBERS}, suggestions=(("s1", "p1"),))
    save_alert_state(tmp_path, state)
    assert load_alert_state(tmp_path) == (state, None)
    (tmp_path / ".coordinator" / "alerts.json").write_text('{"version": 2}')
    assert load_alert_state(tmp_path) == (AlertState(), "not an alert state file (version 1)")
