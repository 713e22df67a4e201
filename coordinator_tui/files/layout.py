"""The layout of a coordination directory: which folders hold what, and what a path is.

One table says where each kind of file lies (FORMATS.md); ``classify`` turns a
relative path into a ``Place`` and ``list_folders`` lists exactly those
folders, nothing else. A folder that exists but cannot be listed is reported
with its reason, like a file that cannot be read: never skipped in silence.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache

from coordinator_tui.files.fsio import os_reason
from coordinator_tui.files.records import FileError, FileKind

LISTED_FOLDERS = (
    "",
    "sessions",
    "sessions/MILESTONES",
    "sessions/HEARTBEATS",
    "heartbeats",
    "messages/broadcast",
    "claims",
)
"""Folders (relative to the root, ``""`` is the root) the store lists; nothing else is walked."""
DIRECT_FOLDER = "messages/direct"
"""Holds one folder per recipient (``messages/direct/<session>/``), listed as well."""
PRIVATE_FOLDER = ".coordinator"
"""This program's own state (history, alert state): never read as coordination files."""
ROOT_NAME = "."
"""How an error about the root folder itself names it."""
UNKNOWN_SIGNATURE = (-2.0, -2)
"""The signature of a file never read before: it is read anyway, so it is not stat'ed."""
FAILED_SIGNATURE = (-1.0, -1)
"""The signature of a file whose stat failed: it is read again and reports why."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where a file lies and so what it is."""

    kind: FileKind
    direct_to: str | None = None
    message_kind: str | None = None


PLACE_OF_KIND = {kind: Place(kind) for kind in FileKind if kind is not FileKind.MESSAGE}
"""The ``Place`` of every kind whose place carries nothing but the kind (messages also
carry the recipient), so a file read before is not classified again."""


@lru_cache(maxsize=65536)
def classify(relative: str) -> Place | None:
    """What kind of file lies at ``relative`` (``/``-separated), or None to ignore it."""
    parts = relative.split("/")
    name = parts[-1]
    if not name or name.startswith("."):
        return None
    depth = len(parts)
    if depth == 1:
        if name == "priorities.txt":
            return Place(FileKind.PRIORITIES)
        if name == "claude_sessions.json":
            return Place(FileKind.REGISTRY)
        return None
    top = parts[0]
    if top == "sessions":
        if depth == 2:
            if name == "REGISTRY.json":
                return Place(FileKind.REGISTRY)
            if name.startswith("session") and name.endswith(".json"):
                return Place(FileKind.SESSION)
            return None
        if depth == 3 and parts[1] == "MILESTONES" and name.endswith((".json", ".md")):
            return Place(FileKind.MILESTONE)
        if depth == 3 and parts[1] == "HEARTBEATS" and name.endswith(".json"):
            return Place(FileKind.HEARTBEAT)
        return None
    if top == "heartbeats" and depth == 2 and name.endswith(".json"):
        return Place(FileKind.HEARTBEAT)
    if top == "claims" and depth == 2 and name.endswith(".claim"):
        return Place(FileKind.CLAIM)
    if top == "messages" and name.endswith(".json"):
        if depth == 3 and parts[1] == "broadcast":
            return Place(FileKind.MESSAGE, message_kind="broadcast")
        if depth == 4 and parts[1] == "direct":
            return Place(FileKind.MESSAGE, direct_to=parts[2], message_kind="direct")
    return None


def stem(relative: str) -> str:
    """The file name without its extension: the id a record falls back on."""
    name = relative.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[:dot] if dot > 0 else name


def is_below(path: str, folder: str) -> bool:
    """``path`` is ``folder`` or lies under it (``""`` is the root: everything is)."""
    return not folder or path == folder or path.startswith(folder + "/")


@dataclass
class Listing:
    """What listing the layout's folders found: files with their (mtime, size), and the
    folders that exist but could not be listed, keyed by folder, with the reason."""

    files: dict[str, tuple[float, int]] = field(default_factory=dict)
    folder_errors: dict[str, FileError] = field(default_factory=dict)


def folder_error(folder: str, error: OSError) -> FileError:
    """The errors-list entry for a folder that could not be listed."""
    return FileError(
        path=folder or ROOT_NAME, reason=f"folder not listed: {os_reason(error)}", kind="folder"
    )


HISTORY_LISTED = ("sessions/HEARTBEATS", "heartbeats", "messages/broadcast")
"""Folders of history files: with ``history=False`` they (and ``messages/direct``) are left
to ``history.window``, which lists names without reading every file."""


def list_folders(
    root: str, under: str, read_before: dict[str, tuple[float, int]], history: bool = True
) -> Listing:
    """Every file the layout knows at or below the folder ``under`` (``""``: all of them);
    with ``history=False``, none of the history folders.

    Files in ``read_before`` are stat'ed for their signature; the others get
    ``UNKNOWN_SIGNATURE`` (they are read anyway). A missing folder is normal (most
    directories have no ``sessions/HEARTBEATS``); any other failure is a folder error.
    """
    listing = Listing()
    within = os.path.realpath(root)
    if not under:
        _check_private(root, listing)
        _check_not_a_sessions_folder(root, listing)
    for folder in LISTED_FOLDERS:
        if (
            is_below(folder, under)
            and (history or folder not in HISTORY_LISTED)
            and _inside(root, folder, within, listing)
        ):
            _list_one(root, folder, read_before, listing)
    direct = is_below(DIRECT_FOLDER, under) or is_below(under, DIRECT_FOLDER)
    if history and direct and _inside(root, DIRECT_FOLDER, within, listing):
        for folder in _direct_folders(root, under, listing):
            if _inside(root, folder, within, listing):
                _list_one(root, folder, read_before, listing)
    return listing


LINK_OUT = "symbolic link to a folder outside the coordination directory; not read, never written"
PRIVATE_LINK = (
    "is a symbolic link; this program's state (history, alert state, run lock) is never "
    "read or written through a link"
)


def leads_out(root: str, folder: str) -> FileError | None:
    """The error for a folder that resolves outside the root (a link out), else None."""
    within = os.path.realpath(root)
    real = os.path.realpath(os.path.join(root, folder))
    if not folder or real == within or real.startswith(within.rstrip(os.sep) + os.sep):
        return None
    return FileError(path=folder, reason=LINK_OUT, kind="folder")


def _inside(root: str, folder: str, within: str, listing: Listing) -> bool:
    """A folder whose resolved path lies outside the root is an error, not listed: its
    files would be someone else's (each read is verified as well, so a link swapped in
    after this check is refused file by file)."""
    if not folder:
        return True
    real = os.path.realpath(os.path.join(root, folder))
    if real == within or real.startswith(within.rstrip(os.sep) + os.sep):
        return True
    if not any(is_below(folder, reported) for reported in listing.folder_errors):
        listing.folder_errors[folder] = FileError(path=folder, reason=LINK_OUT, kind="folder")
    return False


def _check_private(root: str, listing: Listing) -> None:
    """``.coordinator`` must be a real folder (or absent): writes refuse a link there, and
    the errors list says why history and alert state are missing."""
    if os.path.islink(os.path.join(root, PRIVATE_FOLDER)):
        listing.folder_errors[PRIVATE_FOLDER] = FileError(
            path=PRIVATE_FOLDER, reason=PRIVATE_LINK, kind="folder"
        )


def _check_not_a_sessions_folder(root: str, listing: Listing) -> None:
    """A ``sessions/`` folder given as the directory (``status D D/sessions``) would show
    an empty collective: the errors list says what is wrong and what to give instead."""
    if os.path.isdir(os.path.join(root, "sessions")):
        return
    try:
        looks = os.path.basename(os.path.normpath(root)) == "sessions" or any(
            name.startswith("session") and name.endswith(".json") for name in os.listdir(root)
        )
    except OSError:
        return
    if looks:
        parent = os.path.dirname(os.path.normpath(os.path.abspath(root)))
        listing.folder_errors[ROOT_NAME] = FileError(
            path=ROOT_NAME,
            reason=f"this is a sessions/ folder, not a coordination directory: give {parent}",
            kind="folder",
        )


def _list_one(
    root: str, folder: str, read_before: dict[str, tuple[float, int]], listing: Listing
) -> None:
    try:
        entries = list(os.scandir(os.path.join(root, folder) if folder else root))
    except FileNotFoundError:
        return
    except OSError as error:
        _report(listing, folder, error)
        return
    prefix = f"{folder}/" if folder else ""
    files = listing.files
    for entry in entries:
        relative = prefix + entry.name
        if classify(relative) is None:
            continue
        if relative not in read_before:
            files[relative] = UNKNOWN_SIGNATURE
            continue
        try:
            info = entry.stat(follow_symlinks=True)
            files[relative] = (info.st_mtime, info.st_size)
        except OSError:
            files[relative] = FAILED_SIGNATURE


def _report(listing: Listing, folder: str, error: OSError) -> None:
    """Record a folder error, once: below a folder already reported (a root without
    permissions makes every folder fail) the cause is the same."""
    if not any(is_below(folder, reported) for reported in listing.folder_errors):
        listing.folder_errors[folder] = folder_error(folder, error)


def _direct_folders(root: str, under: str, listing: Listing) -> list[str]:
    """The recipients' folders below ``messages/direct`` that ``under`` covers."""
    if under.startswith(DIRECT_FOLDER + "/"):
        # One recipient's folder: no need to list (or be able to list) the others.
        name = under[len(DIRECT_FOLDER) + 1 :]
        return [under] if "/" not in name and not name.startswith(".") else []
    try:
        entries = list(os.scandir(os.path.join(root, DIRECT_FOLDER)))
    except FileNotFoundError:
        return []
    except OSError as error:
        _report(listing, DIRECT_FOLDER, error)
        return []
    folders = []
    for entry in entries:
        folder = f"{DIRECT_FOLDER}/{entry.name}"
        if entry.name.startswith(".") or not is_below(folder, under):
            continue
        try:
            if entry.is_dir():
                folders.append(folder)
        except OSError:
            continue  # is_dir() fails only on an entry vanishing under us
    return folders
