"""A thin, typed runner for the git commands sync needs (plumbing only).

Every call goes through ``Git.run``: no shell, a fixed locale, no pager, no
prompts (a push that would ask for a password fails instead of hanging), a
timeout, and an optional private index (``GIT_INDEX_FILE``) so sync can build
commits without touching the index the user stages into.

No command here reads or writes the work tree: git would apply the
``.gitattributes`` filters and write links as links. Blobs go in through
``ObjectWriter`` (``git fast-import``) and come out through ``Blobs``
(``git cat-file --batch-command``), one at a time and only under a size cap; the
files themselves are read and written by this program's guarded file layer.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

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

    def popen(
        self, *args: str, stdout: int | IO[bytes] = subprocess.PIPE
    ) -> subprocess.Popen[bytes]:
        """``git ARGS`` running, for a conversation over its standard input and output."""
        try:
            return subprocess.Popen(
                ["git", "-c", "core.quotepath=off", *args],
                cwd=self.work_tree,
                env=self.environment(),
                stdin=subprocess.PIPE,
                stdout=stdout,
                stderr=subprocess.DEVNULL if stdout == subprocess.PIPE else subprocess.STDOUT,
            )
        except OSError as error:
            raise GitError(f"git {args[0] if args else ''}: {error}") from None


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


REGULAR_MODES = ("100644", "100755")


@dataclass(frozen=True, slots=True)
class Entry:
    """A file in a tree: its mode, its object id and (for a blob) its size."""

    mode: str
    oid: str
    size: int | None


def tree_entries(git: Git, commit: str | None, prefix: str) -> dict[str, Entry]:
    """Every file under ``prefix`` in ``commit``, keyed by its path relative to ``prefix``
    (``{}`` when there is no commit or no such folder in it)."""
    if commit is None:
        return {}
    done = git.run("ls-tree", "-r", "-l", "-z", f"{commit}:{prefix}", check=False)
    if done.returncode != 0:
        return {}
    found: dict[str, Entry] = {}
    for record in names(done.stdout):
        info, _tab, path = record.partition("\t")
        mode, _kind, oid, size = info.split()
        found[path] = Entry(mode, oid, int(size) if size.isdigit() else None)
    return found


def object_format(git: Git) -> str:
    """``sha1`` or ``sha256``: how this repository names its objects."""
    done = git.run("rev-parse", "--show-object-format", check=False)
    text = done.stdout.decode("ascii", "replace").strip()
    return text if text in ("sha1", "sha256") else "sha1"


def blob_id(data: bytes, hash_name: str = "sha1") -> str:
    """The id git gives a blob holding ``data``, computed here without asking git."""
    digest = hashlib.new(hash_name)
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()


class Blobs:
    """Blob contents from one ``git cat-file --batch-command``, size first: a blob over
    ``cap`` is never read (its size is known from the header alone), so memory holds at
    most one capped blob at a time however large the remote's files are."""

    def __init__(self, git: Git, cap: int) -> None:
        self.cap = cap
        self._git = git
        self._process: subprocess.Popen[bytes] | None = None

    def _ask(self, command: str) -> tuple[str, int] | None:
        if self._process is None:
            self._process = self._git.popen("cat-file", "--batch-command")
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(command.encode("utf-8", "surrogateescape") + b"\n")
            process.stdin.flush()
            header = process.stdout.readline().decode("utf-8", "replace").split()
        except OSError as error:
            raise GitError(f"git cat-file: {error}") from None
        if len(header) != 3 or not header[2].isdigit():
            if not header:
                raise GitError("git cat-file: ended early")
            return None  # "<name> missing" / "ambiguous"
        return header[1], int(header[2])

    def size(self, name: str) -> int | None:
        """The size of blob ``name`` (an id or ``commit:path``), None when it is not one."""
        info = self._ask(f"info {name}")
        return info[1] if info is not None and info[0] == "blob" else None

    def read(self, name: str) -> bytes | None:
        """The content of blob ``name``; None when there is none or it is over the cap."""
        size = self.size(name)
        if size is None or size > self.cap:
            return None
        info = self._ask(f"contents {name}")
        if info is None:
            return None
        process = self._process
        assert process is not None and process.stdout is not None
        data = process.stdout.read(info[1] + 1)  # the content, then a newline
        if len(data) != info[1] + 1:
            raise GitError("git cat-file: a blob was cut short")
        return data[:-1]

    def close(self) -> None:
        if self._process is not None:
            process, self._process = self._process, None
            if process.stdin is not None:
                process.stdin.close()
            try:
                process.wait(timeout=GIT_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()

    def __enter__(self) -> Blobs:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class ObjectWriter:
    """Blobs written into the repository by one ``git fast-import``, streamed as they come
    (no work tree read, so no filter from any ``.gitattributes`` runs)."""

    def __init__(self, git: Git) -> None:
        self._git = git
        self._process: subprocess.Popen[bytes] | None = None
        self._errors: IO[bytes] | None = None

    def add(self, data: bytes) -> None:
        if self._process is None:
            self._errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close)
            self._process = self._git.popen("fast-import", "--quiet", stdout=self._errors)
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(b"blob\ndata %d\n" % len(data))
            self._process.stdin.write(data)
            self._process.stdin.write(b"\n")
        except OSError:
            self.close()  # raises with git's own reason
            raise GitError("git fast-import: stopped reading") from None

    def close(self) -> None:
        """Wait for every blob to be stored; ``GitError`` when fast-import failed."""
        if self._process is None:
            return
        process, self._process = self._process, None
        errors, self._errors = self._errors, None
        try:
            if process.stdin is not None:
                try:
                    process.stdin.close()
                except OSError:
                    pass  # it stopped reading: its exit status and output say why
            try:
                code = process.wait(timeout=GIT_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise GitError("git fast-import: timed out") from None
            if code != 0:
                assert errors is not None
                errors.seek(0)
                reason = _first_line(errors.read(4096)) or f"exit status {code}"
                raise GitError(f"git fast-import: {reason}")
        finally:
            if errors is not None:
                errors.close()


def path_changes(
    git: Git, revisions: Sequence[str], paths: Sequence[str], newest: int | None = None
) -> dict[str, list[tuple[str, str | None]]]:
    """(commit, new blob id or None when deleted) of each change to each of ``paths``
    (from the top of the work tree) in ``revisions``, oldest first; with ``newest``, only
    that many of the newest commits."""
    if not paths:
        return {}
    args = ["log", "--no-renames", "-z", "--raw", "--no-abbrev", "--format=%x01%H"]
    args += [f"-n{newest}"] if newest else []
    specs = [f":(top,literal){path}" for path in paths]
    done = git.run(*args, *revisions, "--", *specs)
    found: dict[str, list[tuple[str, str | None]]] = {}
    commit = ""
    tokens = done.stdout.split(b"\0")
    index = 0
    while index < len(tokens):
        token = tokens[index].lstrip(b"\n")
        index += 1
        if token.startswith(b"\x01"):
            commit = token[1:].decode("ascii", "replace")
        elif token.startswith(b":") and index < len(tokens):
            fields = token.decode("ascii", "replace").split()
            path = tokens[index].decode("utf-8", "surrogateescape")
            index += 1
            oid = None if fields[-1].startswith("D") else fields[3]
            found.setdefault(path, []).append((commit, oid))
    for changes in found.values():
        changes.reverse()  # git log lists the newest first
    return found
