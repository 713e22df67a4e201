"""Sync rounds: one fetch-fold-push with bounded retries, and the state it leaves.

At most one commit per round, however many heartbeats were written since the
last one: the round folds the whole work tree's coordination changes into a
single commit. A rejected push (someone pushed first) is retried from a fresh
fetch after a growing, jittered pause, at most ``max_attempts`` times; then the
round ends as ``rejected`` and the next round starts over. Never a force push.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from coordinator_tui.files.timeparse import format_utc
from coordinator_tui.settings import Settings
from coordinator_tui.sync.claims import tell
from coordinator_tui.sync.engine import (
    Attempt,
    SyncBlocked,
    Target,
    apply,
    check_outside,
    check_own_commits,
    fetch,
    fold,
    push,
)
from coordinator_tui.sync.git import Blobs, Git, GitError
from coordinator_tui.sync.local import StatCache
from coordinator_tui.sync.paths import join
from coordinator_tui.sync.state import SyncState, load_state, record_arrival, save_state

PUSHED, PULLED, UP_TO_DATE = "pushed", "pulled", "up-to-date"
REJECTED, BLOCKED, ERROR = "rejected", "blocked", "error"
MAX_FILE_BYTES = Settings().max_file_bytes


@dataclass
class RoundResult:
    """What a round did, for the log line and the tests."""

    outcome: str
    commit: str | None = None
    attempts: int = 0
    committed: list[str] = field(default_factory=list)
    arrived: list[str] = field(default_factory=list)
    lost_claims: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    """Files not sent or not written, each ``path: why``."""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in (PUSHED, PULLED, UP_TO_DATE)


def backoff_s(attempt: int, rng: Callable[[], float] = random.random) -> float:
    """Pause before retry ``attempt`` (1-based): 0.25 s doubling, capped at 8 s, with
    jitter so two machines that collided do not collide again in step."""
    return min(8.0, 0.25 * 2 ** (attempt - 1)) * (0.5 + rng())


@contextlib.contextmanager
def _round_lock(git: Git) -> Iterator[None]:
    """One round at a time per work tree (a second sync process waits its turn out)."""
    path = Path(git.text("rev-parse", "--git-path", "coordinator-sync.lock"))
    path = path if path.is_absolute() else git.work_tree / path
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncBlocked("another sync is running in this work tree") from None
        yield
    finally:
        os.close(fd)


def sync_round(
    target: Target,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    sleep: Callable[[float], None] = time.sleep,
    max_attempts: int = 6,
    max_bytes: int = MAX_FILE_BYTES,
    cache: StatCache | None = None,
) -> RoundResult:
    """Fetch, fold, push (retrying rejections), then apply; record it in the sync state.

    ``max_bytes`` caps every file read or written (the ``max_file_bytes`` setting); a
    ``cache`` kept from round to round spares reading the files that did not change."""
    git = Git(target.work_tree)
    result = RoundResult(outcome=ERROR)
    state = load_state(target.root)
    state.remote, state.branch, state.remote_ref = target.remote, target.branch, target.remote_ref
    try:
        with _round_lock(git):
            _attempts(git, target, state, result, now, sleep, max_attempts, max_bytes, cache)
    except SyncBlocked as error:
        result.outcome, result.error = BLOCKED, str(error)
    except GitError as error:
        result.outcome, result.error = ERROR, str(error)
    except OSError as error:
        result.outcome, result.error = ERROR, f"{error.strerror or error}: {error.filename or ''}"
    if cache is not None and result.outcome == ERROR:
        cache.seen.clear()  # read everything again: an object it relied on may be gone
    state.last_round = {
        "at": format_utc(now()),
        "outcome": result.outcome,
        "commit": result.commit,
        "attempts": result.attempts,
        "error": result.error,
    }
    try:
        save_state(target.root, state)
    except OSError as error:
        result.error = result.error or f"could not write the sync state: {error}"
    return result


def _attempts(
    git: Git,
    target: Target,
    state: SyncState,
    result: RoundResult,
    now: Callable[[], datetime],
    sleep: Callable[[float], None],
    max_attempts: int,
    max_bytes: int,
    cache: StatCache | None,
) -> None:
    for number in range(1, max_attempts + 1):
        result.attempts = number
        head = git.rev("HEAD")
        tip = fetch(git, target)
        check_own_commits(git, head, tip)
        check_outside(git, target, head, tip)
        with Blobs(git, max_bytes) as blobs:
            attempt = fold(git, target, head, tip, blobs, cache)
            result.commit = attempt.new_commit
            if attempt.new_commit is None or attempt.new_commit == tip:
                _settle(git, target, attempt, state, result, blobs, now())
                result.outcome = PULLED if attempt.new_commit != head else UP_TO_DATE
                return
            if push(git, target, attempt.new_commit):
                _settle(git, target, attempt, state, result, blobs, now())
                result.outcome = PUSHED
                result.committed = [join(target.prefix, path) for path in attempt.sent]
                return
        if number < max_attempts:
            sleep(backoff_s(number))
    result.outcome = REJECTED
    result.error = f"the remote rejected the push {max_attempts} times; the next round retries"


def _settle(
    git: Git,
    target: Target,
    attempt: Attempt,
    state: SyncState,
    result: RoundResult,
    blobs: Blobs,
    moment: datetime,
) -> None:
    """Apply the attempt here, then record what arrived (with this machine's time), what
    was refused or lost, and tell each session that lost a claim."""

    def arrival(path: str, content: bytes | None) -> None:
        record_arrival(state, path, content, moment)

    apply(git, target, attempt, blobs, arrival)
    result.arrived += attempt.arrived
    stamp = format_utc(moment)
    for path in [*attempt.sent, *attempt.arrived]:
        state.refused.pop(path, None)
    for path, why in [*attempt.local.unread.items(), *attempt.refused.items()]:
        state.refused[path] = {"reason": why, "at": stamp}
        result.refused.append(f"{path}: {why}")
    for loss in attempt.losses:
        entry = tell(target.root, loss, moment)
        state.lost_claims.append(entry)
        result.lost_claims.append(entry)
    lost = {loss.path for loss in attempt.losses}
    for path, blob in attempt.conflicts.items():
        result.conflicts.append(path)
        if path not in lost:
            state.conflicts.append(
                {"path": path, "at": stamp, "kept": "remote", "local_blob": blob}
            )
