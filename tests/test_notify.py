"""Escalation delivery: a local webhook (ok, failing then ok, permanent, redirect), Apprise
missing, and a notifier that never blocks or raises."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from coordinator_tui.headless.notify import Notifier, check_target, redact


class Recorder:
    """A local webhook: answers each POST with the next status of ``script``."""

    def __init__(self, script: list[int]) -> None:
        self.script = script
        self.bodies: list[dict] = []
        self.headers: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                recorder.bodies.append(json.loads(self.rfile.read(length)))
                recorder.headers.append(self.headers.get("Content-Type", ""))
                status = recorder.script.pop(0) if recorder.script else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "file:///etc/passwd")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.timeout = 5
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook?token=secret"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def webhook(request: pytest.FixtureRequest) -> Iterator[Recorder]:
    recorder = Recorder(list(getattr(request, "param", [])))
    yield recorder
    recorder.close()


def _notifier(*targets: str, logs: list[str] | None = None, retries: int = 4) -> Notifier:
    sink = logs if logs is not None else []
    return Notifier(targets, timeout=5, retries=retries, backoff_s=0.01, log=sink.append)


EVENT = {"type": "coordinator-tui.escalation", "action": "raised", "incident": "waiting:s"}


def test_posts_the_event_as_json(webhook: Recorder) -> None:
    notifier = _notifier(webhook.url)
    notifier.send(EVENT, "s waits", "for 12 min")
    assert notifier.flush(10)
    assert webhook.bodies == [EVENT]
    assert webhook.headers == ["application/json"]
    (outcome,) = notifier.outcomes
    assert (outcome.ok, outcome.attempt, outcome.detail) == (True, 1, "HTTP 200")
    # Logs and outcomes never show the path or query (tokens live there).
    assert outcome.target == f"http://127.0.0.1:{webhook.server.server_address[1]}/…"


@pytest.mark.parametrize("webhook", [[500, 503]], indirect=True)
def test_a_failing_endpoint_is_retried_with_backoff(webhook: Recorder) -> None:
    logs: list[str] = []
    notifier = _notifier(webhook.url, logs=logs)
    notifier.send(EVENT, "s waits")
    assert notifier.flush(10)
    assert [(o.ok, o.attempt, o.detail) for o in notifier.outcomes] == [
        (False, 1, "HTTP 500"),
        (False, 2, "HTTP 503"),
        (True, 3, "HTTP 200"),
    ]
    assert len(webhook.bodies) == 3
    assert logs[0].endswith("HTTP 500; retrying in 0.01 s")
    assert logs[1].endswith("HTTP 503; retrying in 0.02 s")


@pytest.mark.parametrize("webhook", [[500, 500, 500, 500]], indirect=True)
def test_retries_are_bounded(webhook: Recorder) -> None:
    logs: list[str] = []
    notifier = _notifier(webhook.url, logs=logs, retries=3)
    notifier.send(EVENT, "s waits")
    assert notifier.flush(10)
    assert [o.attempt for o in notifier.outcomes] == [1, 2, 3]
    assert notifier.outcomes[-1].final
    assert logs[-1].endswith("HTTP 500; giving up")
    assert len(webhook.bodies) == 3


@pytest.mark.parametrize("webhook", [[404]], indirect=True)
def test_a_permanent_failure_is_not_retried(webhook: Recorder) -> None:
    notifier = _notifier(webhook.url)
    notifier.send(EVENT, "s waits")
    assert notifier.flush(10)
    assert [(o.ok, o.detail, o.final) for o in notifier.outcomes] == [(False, "HTTP 404", True)]


@pytest.mark.parametrize("webhook", [[302]], indirect=True)
def test_a_redirect_is_never_followed(webhook: Recorder) -> None:
    notifier = _notifier(webhook.url)
    notifier.send(EVENT, "s waits")
    assert notifier.flush(10)
    (outcome,) = notifier.outcomes
    assert (outcome.ok, outcome.final) == (False, True)
    assert outcome.detail == "HTTP 302 redirect not followed (give the final URL)"


def test_an_unreachable_endpoint_fails_without_blocking_or_raising() -> None:
    logs: list[str] = []
    notifier = _notifier("http://127.0.0.1:9/hook", logs=logs, retries=2)
    notifier.send(EVENT, "s waits")  # returns at once; delivery happens on the thread
    assert notifier.flush(20)
    assert [o.ok for o in notifier.outcomes] == [False, False]
    assert "giving up" in logs[-1]


def test_a_non_http_url_without_apprise_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "apprise", None)  # import apprise -> ImportError
    message = check_target("slack://TokenA/TokenB/TokenC")
    assert message == (
        "slack://…: sending to a non-http URL needs Apprise, which is not installed "
        "(pip install 'coordinator-tui[notify]')"
    )
    logs: list[str] = []
    notifier = _notifier("slack://TokenA/TokenB/TokenC", logs=logs)
    notifier.send(EVENT, "s waits")
    assert notifier.flush(10)
    (outcome,) = notifier.outcomes
    assert (outcome.ok, outcome.final, outcome.detail) == (False, True, message)
    assert "TokenA" not in " ".join(logs)


def test_target_checks() -> None:
    assert check_target("https://hooks.example.com/x") is None
    assert check_target("no-scheme") == (
        "'no-scheme' is not a URL (http://…, https://…, an Apprise URL, or 'desktop')"
    )
    assert check_target("http:///path") == "http://?/…: no host"
    assert redact("https://user:pw@example.com:8443/a?b=c") == "https://example.com:8443/…"


def test_closed_notifier_drops_new_events(webhook: Recorder) -> None:
    notifier = _notifier(webhook.url)
    assert notifier.close(5)
    notifier.send(EVENT, "late")
    assert notifier.flush(1)
    assert webhook.bodies == []


def test_desktop_through_notify_send(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = tmp_path / "args.txt"
    program = tmp_path / "bin" / "notify-send"
    program.parent.mkdir()
    program.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\n')
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(program.parent))
    assert check_target("desktop") is None
    notifier = _notifier("desktop")
    notifier.send(EVENT, "s waits", "for <12> min")
    assert notifier.flush(10)
    assert [o.detail for o in notifier.outcomes] == ["shown"]
    assert record.read_text().splitlines() == [
        "--app-name=coordinator-tui",
        "--",
        "s waits",
        "for &lt;12&gt; min",
    ]
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert check_target("desktop") == "desktop: notify-send is not on the PATH"
