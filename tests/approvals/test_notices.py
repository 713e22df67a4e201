"""``run --notify``: one notification per new permission request, with the web view's
link while ``serve`` runs."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coordinator_tui.approvals import serving
from coordinator_tui.approvals.inbox import Inbox
from coordinator_tui.approvals.state import open_state
from coordinator_tui.cli import main
from coordinator_tui.headless.approval_notices import ApprovalNotices
from coordinator_tui.headless.notify import Notifier
from tests.approvals.kit import make, pending, place_for
from tests.test_notify import Recorder


@pytest.fixture
def webhook() -> Iterator[Recorder]:
    recorder = Recorder([])
    yield recorder
    recorder.close()


class Sent:
    """A notifier that keeps what it was given."""

    def __init__(self) -> None:
        self.sent: list[tuple[dict[str, Any], str, str]] = []
        self.logs: list[str] = []

    def send(self, payload: dict[str, Any], title: str, body: str = "") -> None:
        self.sent.append((payload, title, body))

    def log(self, text: str) -> None:
        self.logs.append(text)


def test_each_request_is_notified_once_naming_session_and_tool(coord: Path) -> None:
    place = place_for(coord)
    sent = Sent()
    notices = ApprovalNotices(Inbox([str(coord)]), sent, link=lambda: None)
    assert notices.check() == 0
    first = pending(place, make(place, session="alpha\x1b[2J", tool_input={"command": "npm test"}))
    assert notices.check() == 1
    assert notices.check() == 0
    pending(place, make(place, session="beta", tool="Edit", tool_input={"file_path": "a.py"}))
    assert notices.check() == 1
    (payload, title, body), second = sent.sent
    assert title == "Permission request: alpha wants to run Bash"
    assert body.splitlines() == [
        "alpha (claude) asks to run Bash: npm test",
        f"Answer: coordinator-tui approve {first.id[:8]} | deny {first.id[:8]}",
    ]
    assert payload["id"] == first.id and payload["summary"] == "npm test"
    assert payload["url"] is None and second[1] == "Permission request: beta wants to run Edit"


def test_the_link_is_the_web_view_while_serve_runs(coord: Path) -> None:
    state = open_state()
    assert serving.current_url(state) is None
    serving.record_url(state, "https://coord.example/")
    assert serving.current_url(state) == "https://coord.example/"
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    Path(state, serving.NAME).write_text(f'{{"url": "http://x/", "pid": {child.pid}}}')
    assert serving.current_url(state) is None  # its process is gone
    serving.record_url(state, "javascript:alert(1)")
    assert serving.current_url(state) is None
    serving.record_url(state, "http://127.0.0.1:8000/")
    place = place_for(coord)
    pending(place, make(place))
    sent = Sent()
    ApprovalNotices(Inbox([str(coord)]), sent).check()
    ((payload, _, body),) = sent.sent
    assert payload["url"] == "http://127.0.0.1:8000/" and body.endswith("\nhttp://127.0.0.1:8000/")
    serving.forget_url(state)
    assert serving.current_url(state) is None


def test_a_webhook_gets_the_request_as_json(coord: Path, webhook: Recorder) -> None:
    place = place_for(coord)
    request = pending(place, make(place))
    notifier = Notifier([webhook.url], timeout=5, backoff_s=0.01)
    stop = threading.Event()
    ApprovalNotices(Inbox([str(coord)]), notifier, link=lambda: None).start(stop, every=0.05)
    try:
        deadline = time.monotonic() + 10
        while not webhook.bodies and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stop.set()
        notifier.close(5)
    ((body),) = webhook.bodies
    assert (body["type"], body["id"], body["tool"]) == ("approval_request", request.id, "Bash")


def test_run_notify_sends_the_waiting_request(
    coord: Path, webhook: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    place = place_for(coord)
    request = pending(place, make(place, wait_s=600))
    args = ["run", str(coord), "--cycles", "1", "--interval", "1", "--notify", webhook.url]
    assert main([*args, "--report-every", "0"]) == 0
    assert [body["id"] for body in webhook.bodies] == [request.id]
    assert os.path.exists(place.pending_path(request.id))
