"""Claims across machines: who lost a race, telling them, and waiting to know.

A claim made on one machine counts once the push carrying it is accepted by
the remote: the remote's ref update is the compare-and-swap. When two machines
claim the same work, the second push is rejected, its sync refetches, finds the
remote's claim file where its own new one was, and the remote's wins (on every
machine, since every machine then reads the remote's commit). The loser's
claim file is replaced by the winner's (the engine does that), and here its
session is told with a direct message and an entry in the sync state.

``wait_for_claim`` is what ``session claim --wait`` calls after creating the
claim file: it polls until the claim is on the remote (True), is withdrawn or
held by someone else there (False), or the timeout passes (False; call
``claim_outcome`` to tell a timeout from a loss).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from coordinator_tui.files.reader import parse_json_text, read_bytes
from coordinator_tui.files.timeparse import format_utc
from coordinator_tui.sync.engine import Attempt, Target
from coordinator_tui.sync.git import Git, GitError, find_work_tree
from coordinator_tui.sync.paths import inside, is_claim
from coordinator_tui.sync.state import SyncState, load_state
from coordinator_tui.write.messages import Draft, MessageError, write_message

SYNC_SENDER = "coordinator-sync"
MAX_CLAIM_BYTES = 256 * 1024
HELD, LOST, PENDING = "held", "lost", "pending"


def holder(content: bytes | None) -> tuple[str, str] | None:
    """(claimed_by, claimed_at) of a claim file's content, read leniently; None if unreadable."""
    if content is None:
        return None
    document, _recovered, _error = parse_json_text(content.decode("utf-8", "replace"))
    if not isinstance(document, dict) or not isinstance(document.get("claimed_by"), str):
        return None
    return document["claimed_by"], str(document.get("claimed_at", ""))


def settle_conflicts(
    git: Git, target: Target, attempt: Attempt, state: SyncState, now: datetime
) -> list[dict[str, Any]]:
    """Record every file the remote won; tell the session of each claim it lost.

    Returns the lost-claim entries added to ``state``."""
    lost: list[dict[str, Any]] = []
    for path, our_blob in attempt.conflicts.items():
        ours = git.run("cat-file", "blob", our_blob).stdout if our_blob else None
        theirs = git.blob(attempt.remote_tip, path) if attempt.remote_tip else None
        mine, winner = holder(ours), holder(theirs)
        relative = inside(target.prefix, path)
        if is_claim(target.prefix, path) and mine is not None and mine != winner:
            entry = _lost_claim(target, relative, mine[0], winner, attempt, now)
            state.lost_claims.append(entry)
            lost.append(entry)
            continue
        state.conflicts.append(
            {"path": relative, "at": format_utc(now), "kept": "remote", "local_blob": our_blob}
        )
    return lost


def _lost_claim(
    target: Target,
    relative: str,
    loser: str,
    winner: tuple[str, str] | None,
    attempt: Attempt,
    now: datetime,
) -> dict[str, Any]:
    held_by = winner[0] if winner else None
    commit = (attempt.remote_tip or "")[:12]
    body = (
        f"Your claim {relative} was withdrawn: "
        + (f"{held_by}'s claim" if held_by else "a change to it")
        + f" reached the shared repository first (commit {commit}). "
        "Pick other work, or coordinate with the holder."
    )
    entry: dict[str, Any] = {
        "path": relative,
        "lost_by": loser,
        "held_by": held_by,
        "at": format_utc(now),
        "commit": attempt.remote_tip,
        "message": None,
    }
    try:
        draft = Draft(
            to=loser, subject=f"Claim lost: {Path(relative).stem}", body=body, sender=SYNC_SENDER
        )
        written = write_message(target.root, draft, now)
        entry["message"] = written.relative_to(target.root).as_posix()
    except (MessageError, OSError) as error:
        entry["message_error"] = str(error)
    return entry


def claim_outcome(directory: Path, claim_path: Path | str, mine: tuple[str, str] | None) -> str:
    """HELD, LOST or PENDING for the claim ``mine`` (claimed_by, claimed_at) at ``claim_path``
    (absolute, or relative to ``directory``)."""
    root = Path(directory)
    path = Path(claim_path) if Path(claim_path).is_absolute() else root / claim_path
    local, _error, _mtime, _size = read_bytes(path, MAX_CLAIM_BYTES)
    if mine is None or holder(local) != mine:
        return LOST
    try:
        top, _prefix = find_work_tree(path.parent)
    except GitError:
        return HELD  # not synced by git: creating the file was the whole claim
    git = Git(top)
    remote_ref = _remote_ref(root, git)
    if remote_ref is None or git.rev(remote_ref) is None:
        return PENDING
    in_repo = path.resolve().relative_to(top).as_posix()
    on_remote = holder(git.blob(remote_ref, in_repo))
    if on_remote == mine:
        return HELD
    return PENDING if on_remote is None else LOST


def _remote_ref(root: Path, git: Git) -> str | None:
    """The remote-tracking ref sync pushes to: from the sync state when it names a valid
    one (the file is untrusted), else ``refs/remotes/origin/<current branch>``."""
    candidate = load_state(root).remote_ref
    if candidate.startswith("refs/remotes/") and git.ok("check-ref-format", candidate):
        return candidate
    branch = git.run("symbolic-ref", "--short", "-q", "HEAD", check=False)
    if branch.returncode != 0:
        return None
    return f"refs/remotes/origin/{branch.stdout.decode('utf-8', 'replace').strip()}"


def wait_for_claim(
    dir: Path | str,
    claim_path: Path | str,
    timeout: float,
    *,
    poll_s: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> bool:
    """True once the claim now in ``claim_path`` is on the remote (a push carrying it was
    accepted); False as soon as it is withdrawn or someone else holds it there, or when
    ``timeout`` seconds pass first. Reads only; the sync loop does the pushing."""
    root = Path(dir)
    path = Path(claim_path) if Path(claim_path).is_absolute() else root / claim_path
    content, _error, _mtime, _size = read_bytes(path, MAX_CLAIM_BYTES)
    mine = holder(content)
    deadline = monotonic() + max(0.0, timeout)
    while True:
        outcome = claim_outcome(root, path, mine)
        if outcome != PENDING:
            return outcome == HELD
        if monotonic() >= deadline:
            return False
        sleep(poll_s)
