"""Claims across machines: the first accepted push wins, and the loser is told.

A claim made on one machine counts once the push carrying it is accepted by
the remote: the remote's ref update is the compare-and-swap. From then on the
claim is immutable until it is released (its file deleted) or taken over once
expired (the new claim's ``claimed_at`` is at or after the old one's expiry, as
``session claim`` does it). Any other change of holder is a rewrite, and the
later writer loses:

- two machines claim the same new work: the second push is rejected, its round
  refetches and finds the remote's claim where its own was (``Plan.conflicts``);
- a push replaces an accepted claim (another machine, or plain ``git push``):
  the next round that sees it puts the accepted claim back (``remote_rewrites``);
- a session on this machine overwrites an accepted claim in place: its change is
  not sent, and the accepted claim is put back in its file (``local_rewrite``).

Whether a change is a rewrite is decided from the files' history alone, never
from a clock, so every machine decides alike. Each loser is told with a direct
message and an entry in the sync state (``tell``).

``wait_for_claim`` is what ``session claim --wait`` calls after creating the
claim file: it polls until the claim is on the remote (True), is withdrawn or
held by someone else there (False), or the timeout passes (False; call
``claim_outcome`` to tell a timeout from a loss).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from coordinator_tui.agents.claims import expires
from coordinator_tui.files.reader import parse_json_text, read_bytes
from coordinator_tui.files.timeparse import format_utc, parse_timestamp
from coordinator_tui.sync.git import Blobs, Entry, Git, GitError, find_work_tree, path_changes
from coordinator_tui.sync.paths import join
from coordinator_tui.sync.state import load_state
from coordinator_tui.write.messages import BROADCAST, Draft, MessageError, write_message

SYNC_SENDER = "coordinator-sync"
MAX_CLAIM_BYTES = 256 * 1024
HISTORY_DEPTH = 50
"""Changes of one claim file read back when a rewrite is suspected (its last add is
almost always among them; without it the oldest read counts as accepted)."""
HELD, LOST, PENDING = "held", "lost", "pending"
RACE, REWRITE = "race", "rewrite"


@dataclass(frozen=True)
class Loss:
    """A claim someone lost: ``loser`` wrote ``path``, ``holder``'s claim stays."""

    path: str
    loser: str | None
    holder: str | None
    commit: str | None
    why: str
    """``race`` (both claimed, the other push came first) or ``rewrite`` (an accepted
    claim was replaced)."""


def claim_document(content: bytes | None) -> dict[str, Any] | None:
    if content is None:
        return None
    document, _recovered, _error = parse_json_text(content.decode("utf-8", "replace"))
    return document if isinstance(document, dict) else None


def holder(content: bytes | None) -> tuple[str, str] | None:
    """(claimed_by, claimed_at) of a claim file's content, read leniently; None if unreadable."""
    document = claim_document(content)
    if document is None or not isinstance(document.get("claimed_by"), str):
        return None
    return document["claimed_by"], str(document.get("claimed_at", ""))


def _who(document: dict[str, Any] | None) -> str | None:
    value = document.get("claimed_by") if document is not None else None
    return value if isinstance(value, str) else None


def takes_over(accepted: dict[str, Any], newer: dict[str, Any]) -> bool:
    """Whether ``newer`` may replace ``accepted`` in place: the same holder (a renewal),
    or one that claimed at or after ``accepted`` expired (both read from the files)."""
    if _who(newer) == _who(accepted):
        return True
    ends = expires(accepted)
    started = parse_timestamp(newer.get("claimed_at"))
    return ends is not None and started is not None and started.timestamp() >= ends


def _replay(
    versions: Iterable[tuple[str, str | None]], read: Callable[[str], dict[str, Any] | None]
) -> tuple[str | None, str | None]:
    """(the blob that should stand, its holder) after ``versions`` (commit, blob id or None
    for deleted), oldest first: a rewrite of an accepted claim never stands."""
    accepted: dict[str, Any] | None = None
    standing: str | None = None
    for _commit, oid in versions:
        if oid is None:
            accepted = standing = None
            continue
        document = read(oid)
        if accepted is None or _who(accepted) is None or takes_over(accepted, document or {}):
            accepted, standing = document, oid
    return standing, _who(accepted)


def remote_rewrites(
    git: Git,
    blobs: Blobs,
    prefix: str,
    base: str | None,
    tip: str,
    base_entries: dict[str, Entry],
    changed: list[str],
    tip_entries: dict[str, Entry],
) -> dict[str, tuple[str, Loss]]:
    """For each claim in ``changed`` (relative to DIR) whose version on the remote
    rewrote an accepted claim: (the accepted blob to put back, the loss to tell)."""
    if base is None or not changed:
        return {}

    def read(oid: str) -> dict[str, Any] | None:
        return claim_document(blobs.read(oid))

    window = path_changes(git, [tip, f"^{base}"], [join(prefix, path) for path in changed])
    restored: dict[str, tuple[str, Loss]] = {}
    for path in changed:
        now_there = tip_entries[path].oid
        start = [(base, base_entries[path].oid)] if path in base_entries else []
        standing, _holder = _replay(start + window.get(join(prefix, path), []), read)
        if standing == now_there:
            continue
        # Suspected: read the file's own history back to its last add, so a machine whose
        # base already held a rewrite judges like the others.
        history = path_changes(git, [tip], [join(prefix, path)], HISTORY_DEPTH)
        versions = history.get(join(prefix, path), [])
        added = [index for index, (_c, oid) in enumerate(versions) if index == 0 or oid is None]
        standing, kept_by = _replay(versions[added[-1] :], read)
        if standing is None or standing == now_there:
            continue
        loser = _who(read(now_there))
        restored[path] = (standing, Loss(path, loser, kept_by, tip, REWRITE))
    return restored


def local_rewrite(blobs: Blobs, path: str, accepted: Entry, ours: Entry) -> Loss | None:
    """The loss when this machine's ``ours`` replaces the ``accepted`` claim in place."""
    old = claim_document(blobs.read(accepted.oid))
    new = claim_document(blobs.read(ours.oid))
    if old is None or _who(old) is None or (new is not None and takes_over(old, new)):
        return None
    return Loss(path, _who(new), _who(old), None, REWRITE)


def race_loss(
    blobs: Blobs, path: str, ours: str | None, theirs: Entry | None, tip: str
) -> Loss | None:
    """Both sides changed claim ``path`` and the remote's version came first: the loss,
    when ours named a holder the remote's does not."""
    mine = _who(claim_document(blobs.read(ours))) if ours else None
    winner = _who(claim_document(blobs.read(theirs.oid))) if theirs else None
    return Loss(path, mine, winner, tip, RACE) if mine is not None and mine != winner else None


def tell(root: Path, loss: Loss, now: datetime) -> dict[str, Any]:
    """The sync state's entry for ``loss``, after a direct message to its loser."""
    commit = (loss.commit or "")[:12]
    first = f"{loss.holder}'s claim" if loss.holder else "a change to it"
    if loss.why == REWRITE:
        body = (
            f"Your claim {loss.path} was withdrawn: it replaced {first}, which the shared "
            "repository had accepted first. An accepted claim changes hands only once "
            "released or expired. Pick other work, or coordinate with the holder."
        )
    else:
        body = (
            f"Your claim {loss.path} was withdrawn: {first} reached the shared repository "
            f"first (commit {commit}). Pick other work, or coordinate with the holder."
        )
    entry: dict[str, Any] = {
        "path": loss.path,
        "lost_by": loss.loser,
        "held_by": loss.holder,
        "at": format_utc(now),
        "commit": loss.commit,
        "why": loss.why,
        "message": None,
    }
    try:
        if not loss.loser or loss.loser == BROADCAST:
            raise MessageError("the claim names no session to tell")
        draft = Draft(
            to=loss.loser,
            subject=f"Claim lost: {Path(loss.path).stem}",
            body=body,
            sender=SYNC_SENDER,
        )
        written = write_message(root, draft, now)
        entry["message"] = written.relative_to(root).as_posix()
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
    with Blobs(git, MAX_CLAIM_BYTES) as blobs:
        on_remote = holder(blobs.read(f"{remote_ref}:{in_repo}"))
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
