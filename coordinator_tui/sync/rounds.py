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
from coordinator_tui.sync.claims import settle_conflicts
from coordinator_tui.sync.engine import (
    Attempt,
    SyncBlocked,
    Target,
    apply_locally,
    check_own_commits,
    fetch,
    fold,
    push,
)
from coordinator_tui.sync.git import EMPTY_TREE, Git, GitError, names
from coordinator_tui.sync.paths import inside, pathspecs
from coordinator_tui.sync.state import SyncState, load_state, record_arrival, save_state

PUSHED, PULLED, UP_TO_DATE = "pushed", "pulled", "up-to-date"
REJECTED, BLOCKED, ERROR = "rejected", "blocked", "error"


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
) -> RoundResult:
    """Fetch, fold, apply, push (retrying rejections); record it in the sync state."""
    git = Git(target.work_tree)
    result = RoundResult(outcome=ERROR)
    state = load_state(target.root)
    state.remote, state.branch, state.remote_ref = target.remote, target.branch, target.remote_ref
    try:
        with _round_lock(git):
            _attempts(git, target, state, result, now, sleep, max_attempts)
    except SyncBlocked as error:
        result.outcome, result.error = BLOCKED, str(error)
    except GitError as error:
        result.outcome, result.error = ERROR, str(error)
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
) -> None:
    for number in range(1, max_attempts + 1):
        result.attempts = number
        head = git.rev("HEAD")
        tip = fetch(git, target)
        check_own_commits(git, head, tip)
        attempt = fold(git, target, head, tip)
        apply_locally(git, target, attempt)
        _observe(git, target, attempt, state, result, now())
        result.commit = attempt.new_commit
        if attempt.new_commit is None or attempt.new_commit == tip:
            changed = attempt.new_commit != head
            result.outcome = PULLED if changed else UP_TO_DATE
            return
        if push(git, target, attempt.new_commit):
            result.outcome = PUSHED
            result.committed = [p for p in attempt.ours if p not in attempt.conflicts]
            return
        if number < max_attempts:
            sleep(backoff_s(number))
    result.outcome = REJECTED
    result.error = f"the remote rejected the push {max_attempts} times; the next round retries"


def _observe(
    git: Git,
    target: Target,
    attempt: Attempt,
    state: SyncState,
    result: RoundResult,
    moment: datetime,
) -> None:
    """Record what arrived from other machines (with this machine's time) and what we lost."""
    new, old = attempt.new_commit, attempt.head_before
    if new is None or new == old:
        return
    specs = pathspecs(target.prefix)
    mine = {p for p in attempt.ours if p not in attempt.conflicts}
    old_tree = git.text("rev-parse", f"{old}^{{tree}}") if old else None
    args = ["diff-tree", "-r", "-z", "--no-renames", "--name-only"]
    done = git.run(*args, old_tree or EMPTY_TREE, new, "--", *specs)
    for path in names(done.stdout):
        if path in mine:
            continue
        record_arrival(state, inside(target.prefix, path), git.blob(new, path), moment)
        result.arrived.append(inside(target.prefix, path))
    result.lost_claims += settle_conflicts(git, target, attempt, state, moment)
    result.conflicts += [inside(target.prefix, path) for path in attempt.conflicts]
