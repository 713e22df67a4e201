"""Write the README screenshots from the standard fixture with a frozen clock.

``make screenshots`` runs this. It builds ``tests.collective.build_collective``
plus ``tests.tui.attention`` (a session waiting in a tmux pane, a milestone with
an ETA) in a temporary directory, drives the dashboard headless at fixed sizes
and saves ``screenshots/dashboard-wide.svg``, ``dashboard-compact.svg``,
``broadcast-dialog.svg``, ``session-detail.svg``, ``quality.svg``,
``broadcast-read.svg``, ``file-problems.svg``, ``dashboard-many.svg`` (two
collectives in one screen, the second synced with a claim lost to another machine) and
``dashboard-steering.svg`` (agents asking permission in the inbox, what each costs).
Start-up toasts are dismissed before a shot (the compact one keeps them, to show
their size).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from coordinator_tui.clock import frozen_clock  # noqa: E402
from coordinator_tui.settings import Settings  # noqa: E402
from coordinator_tui.tui.app import CoordinatorApp, create_app  # noqa: E402
from coordinator_tui.tui.widgets.timeline import SessionTimeline  # noqa: E402
from tests.collective import NOW, build_collective  # noqa: E402
from tests.tui.attention import add_attention  # noqa: E402

WIDE = (160, 50)
COMPACT = (60, 30)

Steps = Callable[[CoordinatorApp], Awaitable[None]]


async def ready(app: CoordinatorApp, timeout: float = 10.0) -> None:
    """Wait until the first analysis and its acting run are on screen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while app.dashboard.analyses < len(app.dashboard.collectives) or not app.dashboard.settled:
        if loop.time() > deadline:
            raise TimeoutError("the dashboard did not show the directory in time")
        await asyncio.sleep(0.02)


async def shoot(
    root: Path | list[Path],
    size: tuple[int, int],
    target: Path,
    steps: Steps | None,
    toasts: bool = False,
) -> None:
    app = create_app(root, Settings(), clock=frozen_clock(NOW), watch=False)
    async with app.run_test(size=size) as pilot:
        await ready(app)
        await pilot.pause()
        if not toasts:
            app.clear_notifications()
        if steps is not None:
            await steps(app)
            await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        target.write_text(app.export_screenshot(), encoding="utf-8")
    print(f"wrote {target}")


async def broadcast(app: CoordinatorApp) -> None:
    await app.run_action("broadcast", app.screen)
    await asyncio.sleep(0.05)
    screen = app.screen
    subject = screen.query_one("#subject")
    subject.value = "Deploy freeze at 21:00 UTC"  # type: ignore[attr-defined]
    body = screen.query_one("#body")
    body.text = "Finish what you are on, push, and pick nothing new until tomorrow."  # type: ignore[attr-defined]


async def detail(app: CoordinatorApp) -> None:
    table = app.dashboard.table
    table.move_cursor(row=table.get_row_index("sessions/session-1020.json"))
    await app.run_action("detail", app.screen)
    await asyncio.sleep(0.05)
    timeline = app.screen.query_one(SessionTimeline)  # its pages load in workers
    while timeline.busy() or not timeline.has_focus:
        await asyncio.sleep(0.02)


async def quality(app: CoordinatorApp) -> None:
    await app.run_action("quality", app.screen)


async def read_broadcast(app: CoordinatorApp) -> None:
    """Focus the broadcasts (tab × 3), move to the Plan broadcast, open it in full."""
    await app.run_action("focus_next")
    await app.run_action("focus_next")
    await app.run_action("focus_next")
    await app.run_action("cursor_down", app.screen)
    await app.run_action("cursor_down", app.screen)
    await app.run_action("detail", app.screen)


async def top_row(app: CoordinatorApp) -> None:
    """The cursor on the first row (it follows the row it was on as collectives land)."""
    app.dashboard.table.move_cursor(row=0)


async def problems(app: CoordinatorApp) -> None:
    await app.run_action("errors", app.screen)


def steering(root: Path, state: Path) -> None:
    """Transcripts for four sessions (the cost column, the strip's spend) and two
    permission requests waiting in the inbox (in ``state``, the private folder)."""
    from datetime import timedelta

    from coordinator_tui.approvals.requests import write as write_request
    from coordinator_tui.approvals.state import Place, open_state
    from tests.approvals.kit import make
    from tests.tui.test_costs_dashboard import spend

    def ago(**delta: float) -> datetime:
        return NOW - timedelta(**delta)

    spend(root, "session-1001", ago(hours=5), ago(minutes=30), ago(minutes=10))
    spend(root, "session-1004", ago(hours=2), ago(hours=3))
    spend(root, "session-1003", ago(minutes=20))
    spend(root, "session-1020", ago(minutes=40))
    os.environ["XDG_STATE_HOME"] = str(state)
    place = Place(open_state(), str(root))
    asked = NOW.timestamp() - 40  # the dashboard's frozen clock: 40s and 12s ago
    command = {"command": "npm run migrate -- --env staging"}
    write_request(place, make(place, session="session-1020", tool_input=command, now=asked))
    edit = {"file_path": "/work/project/src/app.py", "old_string": "x = 1", "new_string": "x = 2"}
    write_request(place, make(place, "Edit", edit, session="session-1003", now=asked + 28))


async def inbox_shown(app: CoordinatorApp) -> None:
    from coordinator_tui.tui.widgets.inbox import ApprovalInbox

    inbox = app.dashboard.query_one(ApprovalInbox)
    while len(inbox.requests) < 2:
        await asyncio.sleep(0.02)
    app.dashboard.table.move_cursor(row=0)


def break_some_files(root: Path) -> None:
    """Two unreadable files, made long ago (a fresh one would be a writer mid-rewrite)."""
    torn = root / "sessions" / "session-1013.json"
    torn.write_text('{\n  "session_id": "session-1013",\n  "current_wo')
    fifo = root / "sessions" / "session-fifo.json"
    os.mkfifo(fifo)
    long_ago = NOW.timestamp() - 3600  # an hour before the frozen clock
    for path in (torn, fifo):
        os.utime(path, (long_ago, long_ago))


def second_collective(root: Path) -> Path:
    """A second directory beside ``root``: the standard fixture less one session, synced,
    with a claim lost to another machine in the last round."""
    import json

    second = build_collective(root.parent / "payments")
    (second / "sessions" / "session-1012.json").unlink()
    (second / ".coordinator").mkdir(exist_ok=True)
    state = {
        "version": 1,
        "last_round": {"at": "2025-11-15T19:59:30Z", "outcome": "pushed", "attempts": 2},
        "lost_claims": [
            {
                "path": "claims/ledger-export.claim",
                "lost_by": "session-1004",
                "held_by": "session-2001",
                "at": "2025-11-15T19:59:30Z",
            }
        ],
    }
    (second / ".coordinator" / "sync-state.json").write_text(json.dumps(state))
    return second


async def main_async(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    # A fixed place (not a random temporary name): the screens name the
    # directories' paths, and the screenshot must not change from one run to the next.
    temp = Path(tempfile.gettempdir()) / "coordinator-tui-screenshots"
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir()
    try:
        os.chdir(temp)  # the header then names the directory "coordination"
        root = add_attention(build_collective(temp / "coordination"))
        await shoot(root, WIDE, out / "dashboard-wide.svg", None)
        await shoot(root, COMPACT, out / "dashboard-compact.svg", None, toasts=True)
        await shoot(root, WIDE, out / "broadcast-dialog.svg", broadcast)
        await shoot(root, WIDE, out / "session-detail.svg", detail)
        await shoot(root, (120, 30), out / "quality.svg", quality)
        await shoot(root, WIDE, out / "broadcast-read.svg", read_broadcast)
        both = [root, second_collective(root)]
        await shoot(both, WIDE, out / "dashboard-many.svg", top_row)
        break_some_files(root)
        await shoot(root, COMPACT, out / "file-problems.svg", problems)
        for broken in ("session-1013.json", "session-fifo.json"):
            (root / "sessions" / broken).unlink()
        steering(root, temp / "state")
        await shoot(root, WIDE, out / "dashboard-steering.svg", inbox_shown)
    finally:
        os.chdir(REPO)
        shutil.rmtree(temp, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=REPO / "screenshots")
    args = parser.parse_args()
    args.out = args.out.resolve()
    asyncio.run(main_async(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
