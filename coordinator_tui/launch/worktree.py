"""Git worktrees for agents: one branch ``agent/<priority>`` checked out beside the
repository, so agents on different priorities never edit one working tree.

Every git call is an argument list (no shell), with paths after ``--`` where git
takes them, and no prompt (``GIT_TERMINAL_PROMPT=0``). A branch name comes from the
priority's name reduced to ``A-Z a-z 0-9 . _ -`` and checked by ``git check-ref-format``.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_S = 60.0
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
EXCLUDE_NOTE = "# coordinator-tui: agent hook settings in worktrees (not the project's)"


class GitError(Exception):
    """git refused (or is missing); the message says what git said."""


def git(args: list[str], cwd: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} did not finish within {TIMEOUT_S:.0f} s") from None
    if check and done.returncode != 0:
        said = " ".join((done.stderr or done.stdout).split())[:300]
        raise GitError(f"git {args[0]}: {said or f'exit {done.returncode}'}")
    return done


def toplevel(folder: str | Path) -> Path | None:
    """The work tree holding ``folder``, or None outside git."""
    if not Path(folder).is_dir():
        return None
    try:
        done = git(["rev-parse", "--show-toplevel"], folder, check=False)
    except GitError:
        return None
    text = done.stdout.strip()
    return Path(text) if done.returncode == 0 and text else None


def slug(name: str) -> str:
    """A priority name as a branch and folder word: ``fix login (v2)`` → ``fix-login-v2``."""
    word = _UNSAFE.sub("-", name).strip("-._")
    word = re.sub(r"\.{2,}", ".", word)[:60].rstrip("-.")
    if word.endswith(".lock"):
        word = word[: -len(".lock")]
    return word or "work"


@dataclass(frozen=True)
class Worktree:
    path: Path
    branch: str
    repository: Path
    """The checkout it was made from."""
    base: str
    """The commit it started at."""


def _branch_exists(repository: Path, branch: str) -> bool:
    done = git(["rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"], repository, False)
    return done.returncode == 0


def add(repository: Path, priority: str) -> Worktree:
    """A new worktree on a new branch ``agent/<slug>`` (``-2``, ``-3``… when taken) in
    ``<parent>/<repository>-agent-<slug>``, from the repository's current commit."""
    word = slug(priority)
    base = git(["rev-parse", "--verify", "HEAD"], repository).stdout.strip()
    for attempt in range(1, 100):
        suffix = "" if attempt == 1 else f"-{attempt}"
        branch = f"agent/{word}{suffix}"
        path = repository.parent / f"{repository.name}-agent-{word}{suffix}"
        if _branch_exists(repository, branch) or os.path.lexists(path):
            continue
        git(["check-ref-format", "--branch", branch], repository)
        git(["worktree", "add", "-b", branch, "--", str(path), base], repository)
        return Worktree(path, branch, repository, base)
    raise GitError(f"no free branch name agent/{word}-N (tried 99)")


def tracked(worktree: Path, relative: str) -> bool:
    done = git(["ls-files", "--error-unmatch", "--", relative], worktree, check=False)
    return done.returncode == 0


def exclude(worktree: Path, pattern: str) -> bool:
    """Add ``pattern`` to the repository's ``info/exclude`` (shared by its worktrees) so
    files we write there stay out of ``git status``; False when it was there already."""
    common = git(["rev-parse", "--git-common-dir"], worktree).stdout.strip()
    folder = (worktree / common).resolve() / "info"
    path = folder / "exclude"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    if pattern in lines:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    added = ([] if EXCLUDE_NOTE in lines else [EXCLUDE_NOTE]) + [pattern]
    text = "\n".join([*lines, *added]) + "\n"
    temporary = folder / f".exclude-{os.getpid()}.tmp"
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return True


def changes(worktree: Path) -> list[str]:
    """``git status --porcelain`` lines: uncommitted changes and untracked files."""
    done = git(["status", "--porcelain", "--untracked-files=normal"], worktree)
    return [line for line in done.stdout.splitlines() if line.strip()]


def commits_since(repository: Path, base: str, branch: str) -> int | None:
    """Commits on ``branch`` since ``base`` (None when that cannot be told)."""
    if not re.fullmatch(r"[0-9a-f]{7,64}", base) or branch.startswith("-"):
        return None
    done = git(["rev-list", "--count", f"{base}..{branch}", "--"], repository, check=False)
    if done.returncode == 0 and done.stdout.strip().isdigit():
        return int(done.stdout.strip())
    return None


def remove(worktree: Path, repository: Path) -> None:
    """``git worktree remove`` (refuses a worktree with changes; the branch stays)."""
    git(["worktree", "remove", "--", str(worktree)], repository)
