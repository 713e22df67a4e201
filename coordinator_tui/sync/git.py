"""A thin, typed runner for the git commands sync needs (plumbing, mostly).

Every call goes through ``Git.run``: no shell, a fixed locale, no pager, no
prompts (a push that would ask for a password fails instead of hanging), a
timeout, and an optional private index (``GIT_INDEX_FILE``) so sync can build
commits without touching the index the user stages into.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
GIT_TIMEOUT_S = 120.0


class GitError(Exception):
    """A git command failed; the message is one line (command and git's own reason)."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


@dataclass(frozen=True)
class Git:
    """Git commands run in one work tree, optionally against a private index file."""

    work_tree: Path
    index_file: Path | None = None
    extra_env: Mapping[str, str] = field(default_factory=dict)

    def with_index(self, index_file: Path) -> Git:
        return Git(self.work_tree, index_file, self.extra_env)

    def environment(self) -> dict[str, str]:
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith("GIT_") or name in {"GIT_SSH", "GIT_SSH_COMMAND"}
        }
        env.update(
            {
                "LC_ALL": "C",
                "GIT_TERMINAL_PROMPT": "0",
                "GIT_PAGER": "cat",
                "GIT_OPTIONAL_LOCKS": "0",
            }
        )
        if self.index_file is not None:
            env["GIT_INDEX_FILE"] = str(self.index_file)
        env.update(self.extra_env)
        return env

    def run(
        self,
        *args: str,
        input_data: bytes | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run ``git ARGS`` in the work tree; raise ``GitError`` on failure when ``check``."""
        command = ["git", "-c", "core.quotepath=off", *args]
        try:
            done = subprocess.run(
                command,
                cwd=self.work_tree,
                env=self.environment(),
                input=input_data,
                capture_output=True,
                timeout=GIT_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise GitError(f"git {args[0] if args else ''}: {error}") from None
        if check and done.returncode != 0:
            reason = _first_line(done.stderr) or f"exit status {done.returncode}"
            raise GitError(
                f"git {' '.join(args[:2])}: {reason}", done.stderr.decode("utf-8", "replace")
            )
        return done

    def text(self, *args: str, input_data: bytes | None = None) -> str:
        """Standard output of ``git ARGS`` as text, trailing newline removed."""
        return self.run(*args, input_data=input_data).stdout.decode("utf-8", "replace").rstrip("\n")

    def ok(self, *args: str) -> bool:
        """Whether ``git ARGS`` exits 0 (for questions such as ``merge-base --is-ancestor``)."""
        return self.run(*args, check=False).returncode == 0

    def rev(self, name: str) -> str | None:
        """The commit ``name`` points at, or None when it does not exist (an unborn branch)."""
        done = self.run("rev-parse", "--verify", "--quiet", f"{name}^{{commit}}", check=False)
        return done.stdout.decode().strip() or None if done.returncode == 0 else None

    def blob(self, commit: str, path: str) -> bytes | None:
        """The content of ``path`` in ``commit``, or None when it has no such file."""
        done = self.run("cat-file", "blob", f"{commit}:{path}", check=False)
        return done.stdout if done.returncode == 0 else None


def _first_line(data: bytes) -> str:
    for line in data.decode("utf-8", "replace").splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""


def find_work_tree(folder: Path) -> tuple[Path, str]:
    """The top of the git work tree holding ``folder`` and ``folder``'s path inside it
    (``""`` at the top); ``GitError`` when ``folder`` is not in a work tree."""
    git = Git(folder)
    top = Path(git.text("rev-parse", "--show-toplevel")).resolve()
    inside = folder.resolve().relative_to(top).as_posix()
    return top, "" if inside == "." else inside


def names(output: bytes) -> list[str]:
    """Split NUL-separated git output (``-z``) into paths."""
    return [item.decode("utf-8", "surrogateescape") for item in output.split(b"\0") if item]


def run_lines(git: Git, args: Sequence[str]) -> list[str]:
    return [line for line in git.text(*args).splitlines() if line]
