"""Keys first: worker threads step aside while the screen handles a key."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from coordinator_tui import pace
from coordinator_tui.analysis import analyse
from coordinator_tui.analysis.acting import act as act_module
from coordinator_tui.pace import ASIDE_AT_MOST_S, QUIET_S, Keys
from coordinator_tui.store import Store
from tests.collective import NOW, session


def test_without_a_key_a_step_aside_is_no_wait() -> None:
    keys = Keys()
    started = time.monotonic()
    assert keys.step_aside() == 0.0
    assert time.monotonic() - started < 0.01


def test_after_a_key_a_worker_waits_until_keys_are_quiet() -> None:
    keys = Keys()
    keys.pressed()
    slept = keys.step_aside()
    assert QUIET_S * 0.8 <= slept <= QUIET_S + 0.05
    assert keys.step_aside() == 0.0  # quiet now


def test_a_held_key_never_stops_a_worker_for_long() -> None:
    keys = Keys()
    stop = threading.Event()

    def repeat() -> None:
        while not stop.is_set():
            keys.pressed()
            time.sleep(0.01)

    presser = threading.Thread(target=repeat)
    presser.start()
    try:
        time.sleep(0.02)
        slept = keys.step_aside()
    finally:
        stop.set()
        presser.join()
    assert ASIDE_AT_MOST_S * 0.9 <= slept <= ASIDE_AT_MOST_S + 0.1


def test_the_coordinators_decisions_step_aside_between_their_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in range(1200):
        session(tmp_path, f"session-{number:04d}", f"task {number}", NOW)
    store = Store(tmp_path)
    store.scan()
    analysis = analyse(store.snapshot(), NOW)
    steps: list[int] = []
    monkeypatch.setattr(pace.KEYS, "step_aside", lambda: steps.append(1) or 0.0)
    plain = act_module.act(analysis)
    assert len(steps) == 4 + 3  # between the parts; every 500 sessions measured
    monkeypatch.undo()
    pace.KEYS.pressed()  # a key now: the run waits for the quiet, then decides the same
    started = time.monotonic()
    assert act_module.act(analysis) == plain
    assert time.monotonic() - started >= QUIET_S * 0.8
