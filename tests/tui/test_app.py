"""The app's entry points: the command line, the styles lookup, the history samples."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

import pytest

from coordinator_tui.settings import Settings
from coordinator_tui.tui import app as app_module
from coordinator_tui.tui.app import STYLE_FILES, create_app, main, styles_folder
from coordinator_tui.write.trend_log import TrendLog
from tests.collective import NOW, session
from tests.tui.conftest import MovableClock, ready, shown, wait_for

pytestmark = pytest.mark.anyio


def test_no_directory_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    args = argparse.Namespace(dir=None, compact=False, poll=False, poll_ms=None, now=None)
    assert main(args, Settings()) == 2
    err = capsys.readouterr().err
    assert err.startswith("coordinator-tui: no coordination directory")
    assert err.count("\n") == 1


def test_a_file_given_as_directory_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x")
    args = argparse.Namespace(dir=str(target), compact=False, poll=False, poll_ms=None, now=None)
    assert main(args, Settings()) == 2
    assert "is not a directory" in capsys.readouterr().err


def test_main_passes_the_options_to_the_dashboard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, object] = {}

    def fake_run(root: Path, settings: Settings, **options: object) -> int:
        seen.update(options, root=root)
        return 0

    monkeypatch.setattr(app_module, "run_dashboard", fake_run)
    missing = tmp_path / "not-yet"
    args = argparse.Namespace(dir=str(missing), compact=True, poll=True, poll_ms=None, now=NOW)
    assert main(args, Settings()) == 0
    assert seen["root"] == missing  # a missing directory is waited for, not an error
    assert seen["compact"] is True
    assert seen["poll_ms"] == 500
    clock = seen["clock"]
    assert callable(clock) and clock() == NOW


def test_several_directories_are_one_dashboard_compact_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, object] = {}

    def fake_run(root: object, settings: Settings, **options: object) -> int:
        seen.update(options, root=root)
        return 0

    monkeypatch.setattr(app_module, "run_dashboard", fake_run)
    monkeypatch.chdir(tmp_path)
    args = argparse.Namespace(dir=["a", "b/c"], compact=True, poll=False, poll_ms=None, now=None)
    assert main(args, Settings()) == 0
    assert seen["root"] == [tmp_path / "a", tmp_path / "b" / "c"]  # absolute: named apart
    assert seen["compact"] is True


def test_styles_are_found_and_complete() -> None:
    folder = styles_folder()
    for name in STYLE_FILES:
        assert (folder / name).is_file()


def test_missing_styles_fail_at_start_in_one_line_not_at_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The module is already imported (no style lookup then); only starting looks.
    monkeypatch.setattr(app_module, "STYLE_FILES", ("dashboard.tcss", "missing.tcss"))
    with pytest.raises(app_module.StylesNotFound, match=r"missing\.tcss"):
        create_app(tmp_path)
    assert app_module.run_dashboard(tmp_path, Settings()) == 1
    err = capsys.readouterr().err
    assert err.startswith("coordinator-tui: styles (dashboard.tcss, missing.tcss) not found")
    assert err.count("\n") == 1


async def test_order_is_stable_across_updates(coordination: Path) -> None:
    app = create_app(coordination, Settings(), clock=MovableClock())
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot)
        before = shown(app)
        session(coordination, "session-1004", "12-session orchestration", NOW, count=99)
        await wait_for(
            pilot,
            lambda: (
                (app.dashboard.table.shown_cells("sessions/session-1004.json") or {}).get("beats")
                == "99"
                and app.dashboard.up_to_date
            ),
            "the heartbeat",
        )
        assert shown(app) == before


async def test_one_history_sample_a_minute(coordination: Path) -> None:
    clock = MovableClock()
    app = create_app(coordination, Settings(), clock=clock, watch=False)
    history = TrendLog(coordination, 100)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot)
        app.dashboard.tick()
        clock.advance(seconds=61)
        app.dashboard.tick()
        await wait_for(pilot, lambda: len(history.load()) == 1, "one sample")
        sample = history.load()[0]
        assert sample.working == 5 and sample.live == 8
        assert sample.time == NOW + timedelta(seconds=61)  # the analysis of that tick
        clock.advance(seconds=30)
        app.dashboard.tick()
        await app.workers.wait_for_complete()
        assert len(history.load()) == 1
    assert NOW + timedelta(seconds=91) == clock()
