"""Delivering escalation events to humans: webhooks, Apprise URLs, the desktop.

Targets:

- ``http://…`` / ``https://…``: the event is POSTed as JSON (urllib, a timeout,
  redirects never followed: a webhook that moved should be given its new URL,
  and a redirect must never take the event to another scheme or turn the POST
  into a GET that drops it);
- any other URL (``slack://…``, ``ntfy://…``, ``mailto://…``): through Apprise,
  from the optional extra (``pip install 'coordinator-tui[notify]'``), imported
  only when such a target is used;
- ``desktop``: ``notify-send`` when it is on the PATH.

``Notifier.send`` never blocks and never raises: events go to a small background
thread that delivers them, retries failures with exponential backoff (a bounded
number of times; a permanent failure such as HTTP 404 is not retried), and logs
every failure. The coordinator's loop is never held up by a slow endpoint.
"""

from __future__ import annotations

import heapq
import html
import itertools
import json
import logging
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from coordinator_tui import __version__

DESKTOP = "desktop"
MAX_PENDING = 1000
HTTP_SCHEMES = ("http", "https")
RETRYABLE_HTTP = frozenset({408, 425, 429, 500, 502, 503, 504})
APPRISE_MISSING = (
    "{target}: sending to a non-http URL needs Apprise, which is not installed "
    "(pip install 'coordinator-tui[notify]')"
)

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One delivery attempt."""

    target: str
    """The target with secrets left out (see ``redact``)."""
    ok: bool
    attempt: int
    detail: str
    final: bool
    """No more attempts will be made for this event and target."""


class DeliveryError(Exception):
    """A failed attempt; ``permanent`` ones are not retried."""

    def __init__(self, detail: str, permanent: bool = False) -> None:
        super().__init__(detail)
        self.permanent = permanent


def redact(target: str) -> str:
    """A target as logs may show it: scheme and host of a web URL, only the scheme of
    any other (Apprise URLs carry tokens where a host would be)."""
    if target == DESKTOP:
        return target
    parts = urllib.parse.urlsplit(target)
    scheme = parts.scheme.lower()
    if scheme in HTTP_SCHEMES:
        host = parts.hostname or "?"
        port = f":{parts.port}" if _port(parts) else ""
        return f"{scheme}://{host}{port}/…"
    return f"{scheme or '?'}://…"


def _port(parts: urllib.parse.SplitResult) -> int | None:
    try:
        return parts.port
    except ValueError:
        return None


def _apprise_module() -> Any | None:
    try:
        import apprise  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    return apprise


def check_target(target: str) -> str | None:
    """Why a target cannot be used (one line), or None when it can."""
    if target == DESKTOP:
        return None if shutil.which("notify-send") else "desktop: notify-send is not on the PATH"
    parts = urllib.parse.urlsplit(target)
    scheme = parts.scheme.lower()
    if not scheme:
        return f"{target!r} is not a URL (http://…, https://…, an Apprise URL, or 'desktop')"
    if scheme in HTTP_SCHEMES:
        return None if parts.hostname else f"{redact(target)}: no host"
    if _apprise_module() is None:
        return APPRISE_MISSING.format(target=redact(target))
    return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError with the 3xx code


_OPENER = urllib.request.build_opener(_NoRedirect)


def post_json(url: str, payload: dict[str, Any], timeout: float) -> str:
    """POST ``payload``; the status line on success, DeliveryError otherwise."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": f"coordinator-tui/{__version__}",
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(65536)
            return f"HTTP {response.status}"
    except urllib.error.HTTPError as error:
        if 300 <= error.code < 400:
            raise DeliveryError(
                f"HTTP {error.code} redirect not followed (give the final URL)", permanent=True
            ) from None
        raise DeliveryError(f"HTTP {error.code}", error.code not in RETRYABLE_HTTP) from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise DeliveryError(f"{type(error).__name__}: {reason}") from None


def send_apprise(target: str, title: str, body: str) -> str:
    apprise = _apprise_module()
    if apprise is None:
        raise DeliveryError(APPRISE_MISSING.format(target=redact(target)), permanent=True)
    sender = apprise.Apprise()
    if not sender.add(target):
        raise DeliveryError("Apprise does not understand this URL", permanent=True)
    if not sender.notify(body=body, title=title):
        raise DeliveryError("Apprise reported a failed notification")
    return "sent through Apprise"


def send_desktop(title: str, body: str, timeout: float) -> str:
    program = shutil.which("notify-send")
    if program is None:
        raise DeliveryError("notify-send is not on the PATH", permanent=True)
    try:
        done = subprocess.run(
            [program, "--app-name=coordinator-tui", "--", title, html.escape(body)],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise DeliveryError(f"notify-send: {error}") from None
    if done.returncode != 0:
        raise DeliveryError(f"notify-send exited {done.returncode}")
    return "shown"


@dataclass(order=True)
class _Job:
    due: float
    order: int
    target: str
    payload: dict[str, Any]
    title: str
    body: str
    attempt: int = 1


class Notifier:
    """Delivers events to every target from one background thread, with retries."""

    def __init__(
        self,
        targets: Sequence[str],
        *,
        timeout: float = 5.0,
        retries: int = 5,
        backoff_s: float = 2.0,
        max_backoff_s: float = 300.0,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.targets = tuple(targets)
        self.timeout = timeout
        self.retries = max(1, retries)
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.log = log or _log.warning
        self.outcomes: list[Outcome] = []
        """Every attempt, oldest first (bounded to the last ``MAX_PENDING``)."""
        self._jobs: list[_Job] = []
        self._busy = 0
        self._order = itertools.count()
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def send(self, payload: dict[str, Any], title: str, body: str = "") -> None:
        """Queue one event for every target; returns at once."""
        with self._lock:
            if self._closed:
                return
            for target in self.targets:
                if len(self._jobs) >= MAX_PENDING:
                    dropped = heapq.heappop(self._jobs)
                    self.log(f"notify: queue full, dropped an event for {redact(dropped.target)}")
                job = _Job(time.monotonic(), next(self._order), target, payload, title, body)
                heapq.heappush(self._jobs, job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="notify", daemon=True)
                self._thread.start()
            self._lock.notify_all()

    def flush(self, timeout: float) -> bool:
        """Wait until every queued event is delivered or given up; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._jobs or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    def close(self, timeout: float = 5.0) -> bool:
        """Stop accepting events, give queued ones ``timeout`` seconds, stop the thread."""
        delivered = self.flush(timeout)
        with self._lock:
            self._closed = True
            self._jobs.clear()
            self._lock.notify_all()
        return delivered

    def _run(self) -> None:
        while True:
            with self._lock:
                job = self._next_job()
                if job is None:
                    return
                self._busy += 1
            try:
                self._attempt(job)
            finally:
                with self._lock:
                    self._busy -= 1
                    self._lock.notify_all()

    def _next_job(self) -> _Job | None:
        """The next due job (waiting for it, lock held), or None once closed."""
        while not self._closed:
            if self._jobs:
                wait = self._jobs[0].due - time.monotonic()
                if wait <= 0:
                    return heapq.heappop(self._jobs)
                self._lock.wait(wait)
            else:
                self._lock.wait()
        return None

    def _attempt(self, job: _Job) -> None:
        try:
            detail = self._deliver(job)
        except DeliveryError as error:
            final = error.permanent or job.attempt >= self.retries
            self._record(Outcome(redact(job.target), False, job.attempt, str(error), final))
            if final:
                self.log(f"notify: {redact(job.target)}: {error}; giving up")
                return
            delay = min(self.backoff_s * 2 ** (job.attempt - 1), self.max_backoff_s)
            self.log(f"notify: {redact(job.target)}: {error}; retrying in {delay:g} s")
            with self._lock:
                job.attempt += 1
                job.due = time.monotonic() + delay
                heapq.heappush(self._jobs, job)
            return
        self._record(Outcome(redact(job.target), True, job.attempt, detail, True))

    def _deliver(self, job: _Job) -> str:
        if job.target == DESKTOP:
            return send_desktop(job.title, job.body, self.timeout)
        scheme = urllib.parse.urlsplit(job.target).scheme.lower()
        if scheme in HTTP_SCHEMES:
            return post_json(job.target, job.payload, self.timeout)
        try:
            return send_apprise(job.target, job.title, job.body)
        except DeliveryError:
            raise
        except Exception as error:  # a third-party plugin may raise anything: record it
            raise DeliveryError(f"Apprise: {type(error).__name__}: {error}") from None

    def _record(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)
            del self.outcomes[:-MAX_PENDING]
