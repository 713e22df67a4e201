"""Helpers for driving the dashboard: a clock tests can move, and waiting without sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot

from coordinator_tui.settings import Settings
from coordinator_tui.tui.app import CoordinatorApp, create_app
from coordinator_tui.tui.collective import Collective
from tests.collective import NOW, build_collective
from tests.tui.attention import add_attention


class MovableClock:
    """An injected clock the test advances by hand."""

    def __init__(self, moment: datetime = NOW) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **kwargs: float) -> None:
        self.moment += timedelta(**kwargs)


async def wait_for(
    pilot: Pilot[None], predicate: Callable[[], bool], what: str, timeout: float = 60.0
) -> None:
    """Poll the app state until ``predicate`` holds; fail with ``what`` after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await pilot.pause(0.02)


async def ready(pilot: Pilot[None], analyses: int = 1) -> None:
    app = pilot.app
    assert isinstance(app, CoordinatorApp)
    await wait_for(pilot, lambda: app.dashboard.analyses >= analyses, "the first analysis")
    # The decisions (ETAs, resolutions, incidents) follow each analysis in a worker.
    await wait_for(pilot, lambda: app.dashboard.settled, "the decisions")
    await pilot.pause()


def only(app: CoordinatorApp) -> Collective:
    """The dashboard's one collective (a single directory)."""
    (collective,) = app.dashboard.collectives
    return collective


def screen_text(app: CoordinatorApp) -> str:
    """What the terminal shows right now, as plain text (one line a row)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def shown(app: CoordinatorApp) -> list[str]:
    """Row keys the session table shows, in order."""
    return app.dashboard.table.shown_keys


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio through anyio's pytest plugin (anyio comes with watchfiles)."""
    return "asyncio"


@pytest.fixture
def coordination(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The standard fixture, with the working directory beside it (stable header text)."""
    monkeypatch.chdir(tmp_path)
    return build_collective(tmp_path / "coordination")


@pytest.fixture
def attention_app(coordination: Path) -> CoordinatorApp:
    """``frozen_app`` plus a session waiting in a tmux pane and a milestone with an ETA."""
    add_attention(coordination)
    return create_app(coordination, Settings(), clock=MovableClock(), watch=False)


@pytest.fixture
def frozen_app(coordination: Path) -> CoordinatorApp:
    """The dashboard over the fixture, clock frozen at NOW, reading once (no watcher)."""
    return create_app(coordination, Settings(), clock=MovableClock(), watch=False)
