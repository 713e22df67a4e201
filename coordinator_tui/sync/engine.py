"""One sync attempt: fetch, fold this machine's coordination changes onto the remote
tip, push; only then move the work tree, the index and ``HEAD``.

Git never touches the work tree here. The commit is built in a *private index*
(``GIT_INDEX_FILE``) from the remote tip and this machine's changed files, whose
blobs the round read itself (``local.scan``) and handed to ``git fast-import``;
``git commit`` and ``git add`` are never run, so the user's staged changes stay
theirs and no ``.gitattributes`` filter runs. That is a rebase of at most one
commit. The commit is pushed without force; the remote accepting it is the
moment a claim counts. A rejected push is retried from a fresh fetch, with
nothing local changed in between.

Once the push is accepted (or there was nothing to push), ``apply`` writes the
files that arrived through the guarded writer — coordination names under DIR
only, regular files under the size cap, never a link — sets the user's index
entries of the paths that changed, and moves ``HEAD`` with a compare-and-swap,
in that order: a round killed half-way leaves files the next round finds equal
on both sides, never a ``HEAD`` ahead of the files.

A remote that changed anything outside the coordination names (a project file,
a file beside DIR, a ``.gitattributes``) blocks the round: sync never writes
those, and moving ``HEAD`` past them would show them as the user's own undoing.
When both sides changed the same coordination file the remote's version wins
(it was accepted first, on every machine the same); ours is kept as a blob and
named in the sync state. Claims have their own rules (``claims``).
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from coordinator_tui.sync.claims import Loss, local_rewrite, race_loss, remote_rewrites
from coordinator_tui.sync.git import (
    EMPTY_TREE,
    Blobs,
    Entry,
    Git,
    GitError,
    ObjectWriter,
    find_work_tree,
    names,
    object_format,
    tree_entries,
)
from coordinator_tui.sync.local import (
    Local,
    StatCache,
    refusal,
    remove_file,
    scan,
    still,
    write_file,
)
from coordinator_tui.sync.paths import inside, is_claim, is_coordination, join

SYNC_TRAILER = "Coordinator-Sync"
SHOWN_OUTSIDE = 3
"""Paths a blocked round names when the remote changed files outside the coordination
names (then ``and N more``)."""
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
    hash_name: str = "sha1"
    """The repository's object format (``git rev-parse --show-object-format``)."""
    git_dir: Path | None = None
    """The work tree's own git folder (``git rev-parse --absolute-git-dir``)."""

    @property
    def remote_ref(self) -> str:
        return f"refs/remotes/{self.remote}/{self.branch}"


@dataclass
class Attempt:
    """What one fetch-fold-push attempt decided and did; paths relative to DIR."""

    head_before: str | None
    remote_tip: str | None
    new_commit: str | None = None
    head: dict[str, Entry] = field(default_factory=dict)
    new: dict[str, Entry] = field(default_factory=dict)
    """The coordination files of ``new_commit``."""
    local: Local = field(default_factory=Local)
    sent: list[str] = field(default_factory=list)
    """This machine's changes in ``new_commit``."""
    conflicts: dict[str, str | None] = field(default_factory=dict)
    """Our changes the remote's won over: path → our blob (None: we had deleted it)."""
    losses: list[Loss] = field(default_factory=list)
    arrived: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    """Files of ``new_commit`` not written here, and why."""
    kept: list[str] = field(default_factory=list)
    """Files left alone because a session wrote them after the scan."""


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
    git_dir = Path(git.text("rev-parse", "--absolute-git-dir"))
    return Target(folder.resolve(), top, prefix, remote, name, object_format(git), git_dir)


def index_only(git: Git, target: Target) -> Git:
    """``git`` for writing an index without a work tree: writing an index makes git read
    back the files of its "racily clean" entries, through the filters a ``.gitattributes``
    names; pointed at an empty folder instead, it reads no file at all (the user's own
    ``git status`` checks those entries again, as git always does)."""
    git_dir = target.git_dir or Path(git.text("rev-parse", "--absolute-git-dir"))
    empty = git_dir / "coordinator-sync-empty"
    empty.mkdir(exist_ok=True)
    detached = {"GIT_DIR": str(git_dir), "GIT_WORK_TREE": str(empty)}
    return Git(empty, git.index_file, {**git.extra_env, **detached})


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


def check_outside(git: Git, target: Target, head: str | None, remote_tip: str | None) -> None:
    """Refuse a remote tip that differs from ``HEAD`` anywhere but the coordination names:
    sync never writes those files, so it cannot move ``HEAD`` past them."""
    if remote_tip is None or remote_tip == head:
        return
    done = git.run(
        "diff-tree", "-r", "-z", "--no-renames", "--name-only", head or EMPTY_TREE, remote_tip
    )
    outside = []
    for path in names(done.stdout):
        relative = inside(target.prefix, path)
        if relative is None or not is_coordination(relative):
            outside.append(path)
    if outside:
        shown = ", ".join(outside[:SHOWN_OUTSIDE])
        more = f" and {len(outside) - SHOWN_OUTSIDE} more" if len(outside) > SHOWN_OUTSIDE else ""
        raise SyncBlocked(
            f"the remote changed files outside the coordination directory ({shown}{more}); "
            "sync writes only coordination files: look at them and pull them yourself "
            "(git pull --ff-only), then the next round goes on"
        )


def _merge_base(git: Git, head: str | None, tip: str) -> str | None:
    """The newest common ancestor of ``head`` and ``tip``; None when they share none."""
    if head is None:
        return None
    done = git.run("merge-base", head, tip, check=False)
    return done.stdout.decode("ascii", "replace").strip() or None if done.returncode == 0 else None


def fold(
    git: Git,
    target: Target,
    head: str | None,
    tip: str | None,
    blobs: Blobs,
    cache: StatCache | None = None,
) -> Attempt:
    """Decide (not yet apply) the commit that puts this machine's coordination changes on
    the remote tip: the remote wins where both changed a file, and no rewrite of an
    accepted claim stands, from either side."""
    attempt = Attempt(head_before=head, remote_tip=tip)
    prefix = target.prefix
    attempt.head = tree_entries(git, head, prefix)
    start = tip or head
    if tip is None:
        base: str | None = head
        base_entries = attempt.head
    else:
        base = _merge_base(git, head, tip)
        base_entries = attempt.head if base == head else tree_entries(git, base, prefix)
    start_entries = attempt.head if start == head else tree_entries(git, start, prefix)
    objects = ObjectWriter(git)
    try:
        attempt.local = scan(
            git, target.root, prefix, attempt.head, blobs.cap, objects, target.hash_name, cache
        )
    finally:
        objects.close()
    updates = _decide(git, blobs, prefix, attempt, base, base_entries, start_entries)
    attempt.new = dict(start_entries)
    for path, entry in updates.items():
        if entry is None:
            attempt.new.pop(path, None)
        else:
            attempt.new[path] = entry
    effective = {p: e for p, e in updates.items() if start_entries.get(p) != e}
    attempt.new_commit = _commit(git, target, start, effective) if effective else start
    return attempt


def _oid(entries: dict[str, Entry], path: str) -> str | None:
    entry = entries.get(path)
    return entry.oid if entry is not None else None


def _decide(
    git: Git,
    blobs: Blobs,
    prefix: str,
    attempt: Attempt,
    base: str | None,
    base_entries: dict[str, Entry],
    start_entries: dict[str, Entry],
) -> dict[str, Entry | None]:
    """What goes on top of the remote tip (None: deleted); records in ``attempt`` what
    was sent, what lost, and whom to tell."""
    files, tip = attempt.local.files, attempt.remote_tip
    ours = sorted(
        p for p in set(files) | set(base_entries) if _oid(files, p) != _oid(base_entries, p)
    )
    theirs: set[str] = set()
    if tip is not None:
        every = set(start_entries) | set(base_entries)
        theirs = {p for p in every if start_entries.get(p) != base_entries.get(p)}
    # What the remote holds, with any rewrite of an accepted claim undone.
    remote = dict(start_entries)
    updates: dict[str, Entry | None] = {}
    if tip is not None:
        changed_claims = sorted(p for p in theirs if is_claim(p) and p in start_entries)
        undone = remote_rewrites(
            git, blobs, prefix, base, tip, base_entries, changed_claims, start_entries
        )
        for path, (standing, loss) in undone.items():
            remote[path] = updates[path] = Entry("100644", standing, blobs.size(standing))
            attempt.losses.append(loss)
    for path in ours:
        if path not in theirs:
            updates[path] = files.get(path)
        elif _oid(remote, path) != _oid(files, path):
            attempt.conflicts[path] = _oid(files, path)
            if is_claim(path) and tip is not None:
                race = race_loss(blobs, path, _oid(files, path), remote.get(path), tip)
                attempt.losses += [race] if race is not None else []
    for path, entry in list(updates.items()):
        accepted = remote.get(path)
        if not is_claim(path) or entry is None or accepted is None or path in theirs:
            continue
        rewrite = local_rewrite(blobs, path, accepted, entry)
        if rewrite is not None:
            del updates[path]
            attempt.conflicts[path] = entry.oid
            attempt.losses.append(rewrite)
    attempt.sent = [p for p in updates if p in ours and p not in theirs]
    return updates


def _index_info(prefix: str, entries: dict[str, Entry | None]) -> bytes:
    lines = []
    for path, entry in entries.items():
        mode, blob = (entry.mode, entry.oid) if entry is not None else ("0", _ZERO)
        lines.append(f"{mode} {blob}\t{join(prefix, path)}".encode("utf-8", "surrogateescape"))
    return b"\0".join(lines) + (b"\0" if lines else b"")


def _private_index(git: Git, target: Target) -> Git:
    detached = index_only(git, target)
    path = Path(detached.extra_env["GIT_DIR"]) / "coordinator-sync.index"
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return detached.with_index(path)


def _commit(git: Git, target: Target, start: str | None, updates: dict[str, Entry | None]) -> str:
    """A commit of ``start`` with ``updates`` laid on it (built in a private index)."""
    private = _private_index(git, target)
    if start:
        private.run("read-tree", start)
    else:
        private.run("read-tree", "--empty")
    private.run(
        "update-index", "-z", "--index-info", input_data=_index_info(target.prefix, updates)
    )
    tree = private.text("write-tree")
    host = socket.gethostname() or "unknown"
    message = (
        f"coordinator-tui sync: {len(updates)} file(s) from {host}\n\n{SYNC_TRAILER}: {host}\n"
    ).encode()
    args = ["commit-tree", tree] + (["-p", start] if start else [])
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


def apply(
    git: Git,
    target: Target,
    attempt: Attempt,
    blobs: Blobs,
    on_arrival: Callable[[str, bytes | None], None],
) -> None:
    """Bring this machine to ``new_commit``: the files that differ from it (through the
    guarded writer), the user's index entries of the paths that changed, then ``HEAD``.
    ``on_arrival`` hears of each file another machine changed, with its content."""
    new, head, local = attempt.new, attempt.head, attempt.local
    changed = {p for p in set(new) | set(head) if new.get(p) != head.get(p)}
    sent = set(attempt.sent)
    for path in sorted(set(new) | set(local.files)):
        if path in local.unread:
            continue  # not a regular file here: left alone (and not sent)
        entry, mine = new.get(path), local.files.get(path)
        want, have = (entry.oid if entry else None), (mine.oid if mine else None)
        content = None
        if want != have:
            try:
                content = _bring(target, blobs, path, entry, have)
            except _NotWritten as why:
                attempt.refused[path] = str(why)
                continue
            except _Kept:
                attempt.kept.append(path)
                continue
        if path in changed and path not in sent:
            attempt.arrived.append(path)
            if content is None and entry is not None and refusal(entry, blobs.cap) is None:
                content = blobs.read(entry.oid)
            on_arrival(path, content)
    if changed:
        index = {path: new.get(path) for path in sorted(changed)}
        entries = _index_info(target.prefix, index)
        index_only(git, target).run("update-index", "-z", "--index-info", input_data=entries)
    if attempt.new_commit and attempt.new_commit != attempt.head_before:
        head_now = attempt.head_before or _ZERO
        git.run("update-ref", "-m", "coordinator-tui sync", "HEAD", attempt.new_commit, head_now)


class _NotWritten(Exception):
    """The file is not written here; the message says why."""


class _Kept(Exception):
    """A session wrote the file after the scan: its write stays."""


def _bring(
    target: Target, blobs: Blobs, path: str, entry: Entry | None, have: str | None
) -> bytes | None:
    """Make ``path`` hold ``entry`` (None: no file); the content written."""
    content = None
    if entry is not None:
        why = refusal(entry, blobs.cap)
        if why is not None:
            raise _NotWritten(why)
        content = blobs.read(entry.oid)
        if content is None:
            raise _NotWritten("not readable from the repository: not written")
    if not still(target.root, path, have, blobs.cap, target.hash_name):
        raise _Kept(path)
    try:
        if content is not None:
            write_file(target.root, path, content, existed=have is not None)
        else:
            remove_file(target.root, path)
    except FileExistsError:
        raise _Kept(path) from None
    except OSError as error:
        raise _NotWritten(f"not written: {error}") from None
    return content


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
