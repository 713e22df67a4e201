"""Where the web view is, while ``serve`` runs: for the links of ``run --notify``.

``serve`` records its public address (never the token: a notification may go to a chat
room) in ``serve.json`` in the private state folder, and removes it when it stops;
``current_url`` reads it back while the recording process lives.
"""

from __future__ import annotations

import json
import os

from coordinator_tui.approvals.ids import process_start
from coordinator_tui.files import fsio

NAME = "serve.json"


def record_url(state: str, url: str) -> None:
    """Say that this process serves the web view at ``url``."""
    pid = os.getpid()
    document = {"url": url, "pid": pid, "pid_start": process_start(pid)}
    fsio.replace_file(state, NAME, json.dumps(document).encode("utf-8"), durable=False)


def forget_url(state: str) -> None:
    """Remove the record, if this process made it."""
    document = _read(state)
    if document is not None and document.get("pid") == os.getpid():
        try:
            os.unlink(os.path.join(state, NAME))
        except FileNotFoundError:
            return


def _read(state: str) -> dict[str, object] | None:
    data = fsio.read_bytes(os.path.join(state, NAME), 64 * 1024)[0]
    try:
        document = json.loads(data) if data else None
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def current_url(state: str) -> str | None:
    """The web view's address while the process that recorded it runs, else None."""
    document = _read(state)
    if document is None:
        return None
    url, pid = document.get("url"), document.get("pid")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return None
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except OSError:
        pass
    start = document.get("pid_start")
    if isinstance(start, int) and process_start(pid) not in (None, start):
        return None
    return url
