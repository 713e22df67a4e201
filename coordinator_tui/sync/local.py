"""This machine's side of a round: read the coordination files, and write what arrived.

Reads go through the guarded reader, one folder descriptor per folder: regular
files only, never through a link (a link is refused, even one that stays inside
DIR, so no private file can be published by linking to it), non-blocking,
size-capped. Each file's blob id is computed here, and only a file that differs
from ``HEAD`` is handed to git (``ObjectWriter``), one at a time: memory holds one
capped file, never the directory.

Writes go through the guarded writer (folders opened without following links,
atomic replace, exclusive create), and only after the file on disk is checked to
be what the scan saw: a session that wrote the file meanwhile keeps its write,
and the next round sends it.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from coordinator_tui.files.fsio import (
    Folders,
    create_new_in,
    open_folder,
    os_reason,
    read_bytes,
    replace_in,
)
from coordinator_tui.sync.git import REGULAR_MODES, Entry, Git, ObjectWriter, blob_id, names
from coordinator_tui.sync.paths import inside, is_coordination, pathspecs

MISSING = os.strerror(errno.ENOENT)
NOT_REGULAR = "a symbolic link, or in a folder that is one: sync moves regular files only"


class _RegularOnly(Folders):
    """``Folders`` that never falls back to following a link: a link is refused."""

    def open(self, path: str) -> tuple[int | None, str | None]:
        opened = super().open(path)
        if opened is not None:
            return opened
        try:
            os.lstat(path)
        except FileNotFoundError:
            return None, MISSING  # the file, or a folder on its way, is not there
        except OSError as error:
            return None, os_reason(error)
        return None, NOT_REGULAR


@dataclass
class Local:
    """The coordination files on this machine, by path relative to DIR."""

    files: dict[str, Entry] = field(default_factory=dict)
    """Each regular file read (mode 100644), plus each file that could not be read, as
    ``HEAD`` has it (so it counts as unchanged)."""
    unread: dict[str, str] = field(default_factory=dict)
    """Files not read, and why (a link, a FIFO, over the size cap…)."""


def refusal(entry: Entry, cap: int) -> str | None:
    """Why a tree's entry is not written here (None when it is a regular file under
    the cap): links, submodules and oversized blobs stay out of the work tree."""
    if entry.mode == "120000":
        return "a symbolic link in the repository: not written"
    if entry.mode not in REGULAR_MODES:
        return f"not a regular file in the repository (mode {entry.mode}): not written"
    if entry.size is None or entry.size > cap:
        size = "unknown" if entry.size is None else f"{entry.size:,} bytes"
        return f"{size}, over the {cap:,}-byte limit: not written"
    return None


def read_one(root: Path, relative: str, cap: int, folders: Folders) -> tuple[bytes | None, str]:
    """(content, "") of a regular file, or (None, why not); ``MISSING`` when absent."""
    root_text = str(root)
    data, error, _mtime, _size = read_bytes(
        os.path.join(root_text, relative), cap, root_text, folders
    )
    return data, "" if data is not None else (error or "not read")


RACY_NS = 2_000_000_000
"""A file changed this close to a scan is read again next round (a coarse file system
may not tell two changes in one tick apart)."""


@dataclass
class StatCache:
    """Blob ids of the files an earlier round read, by what ``lstat`` said of them.

    A round of a long ``sync`` reads again only the files whose inode, size, mtime or
    ctime changed (ctime cannot be set back): at the end of the day the bench's 3,091
    files took 1.9 s to read every round, under profiling. In memory only, one per
    ``sync`` process; a round that fails starts it over."""

    seen: dict[str, tuple[tuple[int, ...], Entry]] = field(default_factory=dict)


def _stat_key(path: str) -> tuple[int, ...] | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def scan(
    git: Git,
    root: Path,
    prefix: str,
    head: dict[str, Entry],
    cap: int,
    objects: ObjectWriter,
    hash_name: str,
    cache: StatCache | None = None,
) -> Local:
    """Read every coordination file (those git lists, tracked or not ignored, and those in
    ``HEAD``), streaming each one that differs from ``HEAD`` into ``objects``; with
    ``cache``, a file unchanged since an earlier round is not read again."""
    listed = git.run(
        "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *pathspecs(prefix)
    )
    candidates = set(head)
    for path in names(listed.stdout):
        relative = inside(prefix, path)
        if relative is not None and is_coordination(relative):
            candidates.add(relative)
    local = Local()
    root_text, settled = str(root), time.time_ns() - RACY_NS
    kept: dict[str, tuple[tuple[int, ...], Entry]] = {}
    with _RegularOnly(root_text) as folders:
        for relative in sorted(candidates):
            key = _stat_key(os.path.join(root_text, relative)) if cache is not None else None
            earlier = cache.seen.get(relative) if cache is not None else None
            if key is not None and earlier is not None and earlier[0] == key:
                local.files[relative] = earlier[1]
                kept[relative] = earlier
                continue
            data, why = read_one(root, relative, cap, folders)
            known = head.get(relative)
            if data is None:
                if why != MISSING:
                    local.unread[relative] = why
                    if known is not None:
                        local.files[relative] = known
                elif known is not None and refusal(known, cap) is not None:
                    local.files[relative] = known  # never written here, so not deleted here
                continue
            oid = blob_id(data, hash_name)
            if known is None or known.oid != oid:
                objects.add(data)
            local.files[relative] = Entry("100644", oid, len(data))
            if key is not None and key[4] < settled:
                kept[relative] = (key, local.files[relative])
    if cache is not None:
        cache.seen = kept
    return local


def still(root: Path, relative: str, expected: str | None, cap: int, hash_name: str) -> bool:
    """Whether the file is still as the scan saw it (``expected`` blob id, None: absent)."""
    with _RegularOnly(str(root)) as folders:
        data, why = read_one(root, relative, cap, folders)
    if data is None:
        return expected is None and why == MISSING
    return expected == blob_id(data, hash_name)


def write_file(root: Path, relative: str, data: bytes, existed: bool) -> None:
    """Put ``data`` at ``relative``: replace the file the scan saw, or create it only if
    the name is still free (``FileExistsError`` otherwise)."""
    if existed:
        replace_in(root, relative, data)
        return
    folder, _, name = relative.rpartition("/")
    create_new_in(root, folder, name, data, attempts=1)


def remove_file(root: Path, relative: str) -> None:
    """Remove ``relative`` (the name itself, never what a link points at)."""
    folder, _, name = relative.rpartition("/")
    try:
        folder_fd = open_folder(root, folder, create=False)
    except FileNotFoundError:
        return
    try:
        os.unlink(name, dir_fd=folder_fd)
    except FileNotFoundError:
        pass
    finally:
        os.close(folder_fd)
