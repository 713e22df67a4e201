"""Issue 13's "Done when", end to end with real processes: one `run` cycle resolves,
escalates once, and the next cycle (and the next run) adds nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from coordinator_tui.files.timeparse import parse_timestamp
from tests.acting import NOW, ago, claim, milestone, priorities
from tests.collective import iso, session

PROCESS_TIMEOUT_S = 90


def scenario(root: Path) -> Path:
    """A duplicate where session-a holds the claim, a milestone blocked for 3 h, one
    40 % done 2 h after it was created, and a free priority fitting session-b."""
    session(
        root,
        "session-a",
        "feature-x build",
        ago(minutes=1),
        started=ago(hours=1),
        capabilities=["research"],
    )
    session(
        root,
        "session-b",
        "Feature X build",
        ago(minutes=2),
        started=ago(hours=3),
        capabilities=["general-purpose", "deploy"],
    )
    claim(root, "feature-x", "session-a", ago(minutes=20))
    priorities(
        root,
        "90:docs_site:Write the docs site",
        "80:deploy_pipeline:Deploy pipeline to production",
    )
    milestone(
        root,
        "payments",
        status="blocked",
        progress=30,
        updated_at=ago(hours=3),
        created_at=ago(hours=6),
        blockers=["waiting for the API keys"],
    )
    milestone(
        root,
        "search",
        status="in_progress",
        progress=40,
        created_at=ago(hours=2),
        updated_at=ago(minutes=5),
    )
    return root


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        length = min(int(self.headers.get("Content-Length") or 0), 65536)
        self.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    handler = type("Hook", (_Hook,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    server.timeout = 5
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def cli(*words: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coordinator_tui", *words],
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT_S,
        check=False,
    )


def direct(root: Path, to: str) -> list[dict[str, Any]]:
    folder = root / "messages" / "direct" / to
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    return [json.loads(path.read_text(encoding="utf-8")) for path in files]


def test_one_cycle_messages_the_yielder_once_and_escalates_once(
    tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    root = scenario(tmp_path / "coordination")
    url, received = webhook
    run = ("run", str(root), "--cycles", "1", "--report-every", "0", "--notify", url)

    first = cli(*run, "--now", iso(NOW))
    assert first.returncode == 0, first.stderr

    (message,) = direct(root, "session-b")
    assert message["from"] == "coordinator"
    assert message["subject"] == "Duplicate work: Feature X build"
    assert "session-a keeps 'feature-x build'" in message["message"]
    assert "holds the live claim task-feature-x" in message["message"]
    assert "Suggested next: deploy_pipeline" in message["message"]
    assert direct(root, "session-a") == []
    (event,) = received
    assert (event["action"], event["kind"], event["incident"]) == (
        "raised",
        "milestone-blocked",
        "milestone-blocked:payments",
    )
    assert "waiting for the API keys" in event["title"]
    assert "escalation raised: milestone payments blocked for 3.0 h" in first.stdout

    # The next cycle, minutes later, in a new process: nothing new.
    again = cli(*run, "--now", iso(NOW + timedelta(minutes=5)))
    assert again.returncode == 0, again.stderr
    assert len(direct(root, "session-b")) == 1
    assert direct(root, "session-a") == []
    assert len(received) == 1

    document = json.loads(cli("status", str(root), "--json", "--now", iso(NOW)).stdout)
    (search,) = [item for item in document["milestones"]["items"] if item["id"] == "search"]
    forecast = search["forecast"]
    eta = parse_timestamp(forecast["eta"])
    assert eta is not None
    assert abs((eta - (NOW + timedelta(hours=3))).total_seconds()) < 5 * 60
    assert forecast["method"] in ("history", "created")
    assert forecast["velocity_per_h"] == pytest.approx(20.0, rel=0.05)
    (resolution,) = document["resolutions"]
    assert (resolution["keeper"], resolution["yielder"]) == ("session-a", "session-b")
    assert document["incidents"][0]["id"] == "milestone-blocked:payments"


def test_check_exit_code_and_reasons(tmp_path: Path) -> None:
    root = scenario(tmp_path / "coordination")
    done = cli("status", str(root), "--check", "--now", iso(NOW))
    # Duplicate work (4) and, as session-b works on what session-a claimed, a conflict (8).
    assert done.returncode == 12
    assert done.stdout == ""
    reasons = done.stderr.splitlines()
    assert len(reasons) == 2
    assert "1 duplicate work group(s), e.g. 'feature-x build'" in reasons[0]
    assert "session-b works on task-feature-x claimed by session-a" in reasons[1]


def test_a_bad_notify_target_is_one_line_and_exit_2(tmp_path: Path) -> None:
    root = scenario(tmp_path / "coordination")
    done = cli("run", str(root), "--cycles", "1", "--notify", "not a url")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "is not a URL" in done.stderr
    assert not (root / "messages" / "direct").exists()


def test_no_resolve_only_reports(tmp_path: Path) -> None:
    root = scenario(tmp_path / "coordination")
    done = cli("run", str(root), "--cycles", "1", "--no-resolve", "--now", iso(NOW))
    assert done.returncode == 0, done.stderr
    assert direct(root, "session-b") == []
    assert "session-b yields → deploy_pipeline (not messaged: --no-resolve)" in done.stdout


def test_status_help_lists_line_tmux_and_check() -> None:
    done = cli("status", "--help")
    assert done.returncode == 0
    for option in ("--line", "--tmux", "--check", "16 a session waiting"):
        assert option in done.stdout
