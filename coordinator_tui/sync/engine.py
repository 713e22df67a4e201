"""One sync round: fetch, fold local coordination changes onto the remote tip, push.

Why plumbing instead of ``git pull --rebase`` and ``git commit``: a rebase
refuses a dirty work tree (and ``--autostash`` turns the user's staged changes
into unstaged ones), and ``git commit`` takes whatever the user has staged.
Here the commit is built in a *private index* (``GIT_INDEX_FILE``): read the
remote tip, lay this machine's coordination changes on it, write a tree, make
one commit whose parent is the remote tip. That is a rebase of at most one
commit, done without touching the user's index except for coordination paths.
The work tree then moves like ``git checkout`` does (``read-tree -m -u``, which
keeps every unrelated staged or unstaged change), ``HEAD`` is moved with a
compare-and-swap, and the commit is pushed without force. The remote accepting
the push is the moment a claim counts; a rejected push is retried from a fresh
fetch.

When both sides changed the same coordination file the remote's version wins
(it was accepted first, on every machine the same); ours is kept as a blob and
named in the sync state. A claim lost that way is the case the claims module
handles (withdraw, tell the session).
"""

from __future__ import annotations

import contextlib
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from coordinator_tui.sync.git import EMPTY_TREE, Git, GitError, find_work_tree, names
from coordinator_tui.sync.paths import pathspecs

SYNC_TRAILER = "Coordinator-Sync"
_ZERO = "0" * 40


class SyncBlocked(Exception):
    """The round cannot go on until the user acts; the message says what to do."""


@dataclass(frozen=True)
class Target:
    """Where a round works: DIR, its work tree and path inside it, remote and branch."""

    root: Path
    work_tree: Path
    prefix: str
    remote: str
    branch: str

    @property
    def remote_ref(self) -> str:
        return f"refs/remotes/{self.remote}/{self.branch}"


@dataclass
class Attempt:
    """What one fetch-fold-push attempt did."""

    head_before: str | None
    remote_tip: str | None
    new_commit: str | None
    ours: list[str] = field(default_factory=list)
    conflicts: dict[str, str | None] = field(default_factory=dict)
    arrived: list[str] = field(default_factory=list)
    pushed: bool = False
    rejected: bool = False


def open_target(folder: Path, remote: str) -> Target:
    """The sync target for DIR ``folder``; ``SyncBlocked`` when it cannot be synced."""
    try:
        top, prefix = find_work_tree(folder)
    except GitError as error:
        raise SyncBlocked(f"{folder} is not in a git work tree ({error})") from None
    git = Git(top)
    branch = git.run("symbolic-ref", "--short", "-q", "HEAD", check=False)
    if branch.returncode != 0:
        raise SyncBlocked("HEAD is detached: check out a branch to sync")
    if not git.ok("remote", "get-url", "--", remote):
        raise SyncBlocked(f"the repository has no remote named {remote!r}")
    name = branch.stdout.decode("utf-8", "replace").strip()
    return Target(folder.resolve(), top, prefix, remote, name)


def fetch(git: Git, target: Target) -> str | None:
    """Fetch the branch into its remote-tracking ref; its commit, or None when the remote
    has no such branch yet."""
    refspec = f"+refs/heads/{target.branch}:{target.remote_ref}"
    done = git.run("fetch", "--quiet", "--no-tags", target.remote, refspec, check=False)
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace")
        if "couldn't find remote ref" in reason:
            return None
        raise GitError(f"git fetch {target.remote}: {reason.strip().splitlines()[-1:]}")
    return git.rev(target.remote_ref)


def check_own_commits(git: Git, head: str | None, remote_tip: str | None) -> None:
    """Refuse to push commits sync did not make (the user's own unpushed work)."""
    if head is None:
        return
    spec = [head] + ([f"^{remote_tip}"] if remote_tip else [])
    foreign = git.text("rev-list", f"--grep=^{SYNC_TRAILER}:", "--invert-grep", *spec).split()
    if foreign:
        raise SyncBlocked(
            f"{len(foreign)} commit(s) of your own on {git.work_tree.name} are not on the remote "
            "yet; push them first (sync pushes only its own commits)"
        )


def _tree(git: Git, commit: str | None) -> str:
    return git.text("rev-parse", f"{commit}^{{tree}}") if commit else EMPTY_TREE


def _changed(git: Git, old: str, new: str, specs: list[str]) -> list[str]:
    done = git.run("diff-tree", "-r", "-z", "--no-renames", "--name-only", old, new, "--", *specs)
    return names(done.stdout)


def _entries(git: Git, tree: str, paths: list[str]) -> dict[str, tuple[str, str]]:
    """(mode, blob) of each of ``paths`` present in ``tree``."""
    if not paths:
        return {}
    wanted = set(paths)
    done = git.run("ls-tree", "-r", "-z", "--full-tree", tree)
    found: dict[str, tuple[str, str]] = {}
    for record in names(done.stdout):
        info, _tab, path = record.partition("\t")
        if path in wanted:
            mode, _kind, blob = info.split(" ")
            found[path] = (mode, blob)
    return found


def _index_info(entries: dict[str, tuple[str, str] | None]) -> bytes:
    lines = []
    for path, entry in entries.items():
        mode, blob = entry if entry is not None else ("0", _ZERO)
        lines.append(f"{mode} {blob}\t{path}".encode("utf-8", "surrogateescape"))
    return b"\0".join(lines) + (b"\0" if lines else b"")


def _private_index(git: Git) -> Git:
    path = Path(git.text("rev-parse", "--git-path", "coordinator-sync.index"))
    path = path if path.is_absolute() else git.work_tree / path
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return git.with_index(path)


def _worktree_tree(private: Git, head: str | None, specs: list[str]) -> str:
    """HEAD with the work tree's coordination files laid over it, as a tree."""
    if head:
        private.run("read-tree", head)
    else:
        private.run("read-tree", "--empty")
    # Not ``git add -A``: it fails when one of the pathspecs matches nothing yet.
    listed = private.run(
        "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *specs
    )
    private.run("update-index", "--add", "--remove", "-z", "--stdin", input_data=listed.stdout)
    return private.text("write-tree")


def _commit(git: Git, tree: str, parent: str | None, count: int) -> str:
    host = socket.gethostname() or "unknown"
    message = (
        f"coordinator-tui sync: {count} file(s) from {host}\n\n{SYNC_TRAILER}: {host}\n"
    ).encode()
    args = ["commit-tree", tree] + (["-p", parent] if parent else [])
    env = {}
    if not git.run("config", "user.email", check=False).stdout.strip():
        env = {
            "GIT_AUTHOR_NAME": "coordinator-tui sync",
            "GIT_AUTHOR_EMAIL": f"coordinator-tui@{host}",
            "GIT_COMMITTER_NAME": "coordinator-tui sync",
            "GIT_COMMITTER_EMAIL": f"coordinator-tui@{host}",
        }
    runner = Git(git.work_tree, git.index_file, {**git.extra_env, **env})
    return runner.text(*args, input_data=message)


def fold(git: Git, target: Target, head: str | None, remote_tip: str | None) -> Attempt:
    """Build (not yet apply) the commit that puts this machine's coordination changes on
    the remote tip; remote wins where both changed a file."""
    specs = pathspecs(target.prefix)
    attempt = Attempt(head_before=head, remote_tip=remote_tip, new_commit=None)
    base = git.text("merge-base", head, remote_tip) if head and remote_tip else None
    if remote_tip is None:
        base = None
    private = _private_index(git)
    worktree = _worktree_tree(private, head, specs)
    base_tree = _tree(git, base) if base else (EMPTY_TREE if remote_tip else _tree(git, head))
    attempt.ours = _changed(git, base_tree, worktree, specs)
    if remote_tip is None:
        start, theirs = head, set()
    else:
        start, theirs = remote_tip, set(_changed(git, base_tree, _tree(git, remote_tip), specs))
    mine = _entries(git, worktree, attempt.ours)
    remote_entries = _entries(git, _tree(git, start), [p for p in attempt.ours if p in theirs])
    updates: dict[str, tuple[str, str] | None] = {}
    for path in attempt.ours:
        if path in theirs and remote_entries.get(path) != mine.get(path):
            attempt.conflicts[path] = mine[path][1] if path in mine else None
        else:
            updates[path] = mine.get(path)
    if start:
        private.run("read-tree", start)
    else:
        private.run("read-tree", "--empty")
    private.run("update-index", "-z", "--index-info", input_data=_index_info(updates))
    tree = private.text("write-tree")
    if start and tree == _tree(git, start):
        attempt.new_commit = start
    elif start is None and not updates:
        attempt.new_commit = None
    else:
        reuse = head and git.rev(f"{head}^") == start and _tree(git, head) == tree
        attempt.new_commit = head if reuse else _commit(git, tree, start, len(updates))
    return attempt


def apply_locally(git: Git, target: Target, attempt: Attempt) -> None:
    """Move HEAD, the user's index and the work tree to the new commit, like a checkout:
    unrelated staged and unstaged changes stay as they are."""
    head, new = attempt.head_before, attempt.new_commit
    if new is None or new == head:
        return
    specs = pathspecs(target.prefix)
    mine = [p for p in attempt.ours if p not in attempt.conflicts]
    if mine:
        git.run("update-index", "--add", "--remove", "-z", "--stdin", input_data=_nul(mine))
    if attempt.conflicts:
        held = _entries(git, _tree(git, head), list(attempt.conflicts))
        for path in attempt.conflicts:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target.work_tree / path)
        reset = {path: held.get(path) for path in attempt.conflicts}
        git.run("update-index", "-z", "--index-info", input_data=_index_info(reset))
    git.run("update-index", "-q", "--refresh", check=False)
    merged = git.run("read-tree", "-m", "-u", head or EMPTY_TREE, new, check=False)
    if merged.returncode != 0:
        if head:
            git.run("reset", "-q", head, "--", *specs, check=False)
        reason = merged.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SyncBlocked(
            "local changes are in the way of the remote's: "
            + (reason[0] if reason else "read-tree failed")
            + " (commit or stash them)"
        )
    git.run("update-ref", "-m", "coordinator-tui sync", "HEAD", new, head or _ZERO)


def push(git: Git, target: Target, commit: str) -> bool:
    """Push ``commit`` to the branch, never forced; False when the remote rejected it
    (someone pushed first), ``GitError`` for any other failure."""
    destination = f"{commit}:refs/heads/{target.branch}"
    done = git.run("push", "--porcelain", "--quiet", target.remote, destination, check=False)
    if done.returncode == 0:
        git.run("update-ref", target.remote_ref, commit)
        return True
    report = (done.stdout + done.stderr).decode("utf-8", "replace")
    # "[rejected]": not a fast-forward (someone pushed first); "[remote rejected]": the
    # remote could not take the ref lock (a concurrent push) or a hook declined. Both are
    # retried from a fresh fetch, a bounded number of times.
    if any(mark in report for mark in ("[rejected]", "[remote rejected]", "fetch first")):
        return False
    lines = [line for line in report.splitlines() if line.strip()]
    raise GitError(f"git push {target.remote}: {lines[-1] if lines else 'failed'}")


def _nul(paths: list[str]) -> bytes:
    return b"".join(path.encode("utf-8", "surrogateescape") + b"\0" for path in paths)
