"""Claims: advisory locks on a piece of work or on paths, in ``claims/*.claim`` (stdlib only).

A claim is created exclusively (``fsio.create_at``: the name is taken whole or not
at all), so two sessions racing for one name cannot both win. A claim past
``expires_at`` may be taken over: it is first renamed to a hidden tombstone (only
one racer's rename succeeds), checked to still be the expired claim, then replaced.
A live claim of another session is refused, naming the holder. Everything happens
in the ``claims`` folder reached without following a link (``fsio.open_folder``): a
linked ``claims/`` is neither read nor written.

Path claims hold a glob relative to the claimer's working tree (the enclosing git
work tree, else its working folder), so sessions in different worktrees of one
repository claim the same files. ``*`` matches across folders (``src/*`` is all of
``src``); a glob ending in ``/`` means everything below that folder.
"""

from __future__ import annotations

import fnmatch
import os
import time

from coordinator_tui.agents import client
from coordinator_tui.files import fsio

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

PATH_TYPE = "path"
DEFAULT_TTL_HOURS = 2.0
_UNITS = {"s": 1 / 3600, "m": 1 / 60, "h": 1.0, "d": 24.0}


class ClaimRefused(Exception):
    """A live claim of another session holds the name; the message names the holder."""

    def __init__(self, holder: str, resource: str, work: str | None, expires_at: str | None):
        doing = f" ({work})" if work else ""
        until = f" until {expires_at}" if expires_at else ""
        super().__init__(f"{resource} is claimed by {holder}{doing}{until}")
        self.holder = holder


def parse_ttl(text: str) -> float:
    """``2h``, ``30m``, ``90s``, ``1d`` or a bare number of hours, as hours; ValueError else."""
    value = text.strip().lower()
    unit = _UNITS.get(value[-1:]) if value else None
    number = float(value[:-1] if unit is not None else value)
    hours = number * (unit if unit is not None else 1.0)
    if not hours > 0 or hours > 24 * 365:
        raise ValueError(f"not a duration between 0 and a year: {text!r}")
    return hours


def work_tree(folder: str) -> str:
    """The git work tree holding ``folder`` (a ``.git`` file or folder), else ``folder``."""
    here = os.path.abspath(folder)
    probe = here
    while True:
        if os.path.exists(os.path.join(probe, ".git")):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            return here
        probe = parent


def relative_glob(glob: str, cwd: str, tree: str) -> str:
    """``glob`` (given from ``cwd``) as a ``/``-separated glob relative to ``tree``."""
    absolute = os.path.normpath(os.path.join(cwd, glob))
    relative = os.path.relpath(absolute, tree)
    if relative == ".." or relative.startswith(".." + os.sep):
        raise ValueError(f"{glob!r} lies outside the working tree {tree}")
    relative = relative.replace(os.sep, "/")
    if glob.endswith(("/", os.sep)) or relative == ".":
        relative = "*" if relative == "." else relative + "/*"
    return relative


def path_claim_name(glob: str) -> str:
    """``path-<readable part>-<hash>.claim``: one file per glob, whatever the worktree."""
    import hashlib

    readable = "".join(char if char.isalnum() else "_" for char in glob)[:48].strip("_")
    digest = hashlib.sha1(glob.encode("utf-8")).hexdigest()[:10]
    return f"{PATH_TYPE}-{readable or 'all'}-{digest}.claim"


def named_claim_name(kind: str, name: str) -> str:
    for value, role in ((kind, "type"), (name, "name")):
        if not fsio.is_safe_id(value):
            raise ValueError(f"claim {role} {value!r} may hold only letters, digits and . _ @ + -")
    return f"{kind}-{name}.claim"


def document(
    session_id: str,
    kind: str,
    resource: str,
    hours: float,
    now: float,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "claimed_by": session_id,
        "claimed_at": fsio.utc_stamp(now),
        "resource_type": kind,
        "resource_name": resource,
        "duration_hours": round(hours, 4),
        "expires_at": fsio.utc_stamp(now + hours * 3600),
        "allow_coordination": True,
        **(extra or {}),
    }


def expires(claim: dict[str, Any]) -> float | None:
    at = fsio.parse_stamp(claim.get("expires_at"))
    if at is None:
        start, hours = fsio.parse_stamp(claim.get("claimed_at")), claim.get("duration_hours")
        span = _hours(hours)
        if start is not None and span is not None:
            at = start + span * 3600.0
    return at


def _hours(value: object) -> float | None:
    """A claim's ``duration_hours`` as a finite number of at most a million hours, else
    None: ``10**400``, ``1e400`` or NaN in a claim file must not raise here."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, int):
        return float(value) if abs(value) <= 10**6 else None
    return value if value == value and abs(value) <= 1e6 else None


def is_expired(claim: dict[str, Any], now: float) -> bool:
    """Past ``expires_at``; a claim with no readable expiry never expires by itself."""
    at = expires(claim)
    return at is not None and at <= now


def _refusal(root: str, claim: dict[str, Any], resource: str) -> ClaimRefused:
    holder = str(claim.get("claimed_by") or "?")
    work = None
    if fsio.is_safe_id(holder):
        work = client.one_line((client.load(root, holder) or {}).get("current_work"), 80)
    return ClaimRefused(holder, resource, work, claim.get("expires_at"))


def take(root: str, session_id: str, file_name: str, claim: dict[str, Any], now: float) -> str:
    """Create, renew (own claim) or take over (expired claim) ``claims/file_name``.

    Returns ``created``, ``renewed`` or ``taken over``; raises ``ClaimRefused``."""
    resource = str(claim.get("resource_name"))
    data = fsio.dumps(claim)
    folder = fsio.open_folder(root, "claims")
    try:
        for _ in range(5):
            try:
                fsio.create_at(folder, file_name, data)
                return "created"
            except FileExistsError:
                pass
            current = _held(folder, file_name)
            if current.get("claimed_by") == session_id:
                fsio.replace_at(folder, file_name, data)
                return "renewed"
            if current and not is_expired(current, now):
                raise _refusal(root, current, resource)
            if _retire(folder, file_name, session_id, now, expired_only=True):
                try:
                    fsio.create_at(folder, file_name, data)
                    return "taken over"
                except FileExistsError:
                    continue
        raise _refusal(root, _held(folder, file_name), resource)
    finally:
        os.close(folder)


def _held(folder: int, name: str, limit: int = fsio.MAX_READ_BYTES) -> dict[str, Any]:
    held = fsio.read_json_at(folder, name, limit)
    return held if isinstance(held, dict) else {}


def _retire(folder: int, file_name: str, session_id: str, now: float, expired_only: bool) -> bool:
    """Move ``file_name`` aside atomically and drop it if it is (still) ours or expired;
    put it back otherwise. True when the name is now free of that claim."""
    tomb = f".retired-{os.getpid()}-{time.monotonic_ns()}"
    try:
        os.rename(file_name, tomb, src_dir_fd=folder, dst_dir_fd=folder)
    except FileNotFoundError:
        return True
    held = _held(folder, tomb)
    mine = held.get("claimed_by") == session_id
    if (expired_only and (not held or is_expired(held, now))) or (not expired_only and mine):
        os.unlink(tomb, dir_fd=folder)
        return True
    try:
        os.link(tomb, file_name, src_dir_fd=folder, dst_dir_fd=folder, follow_symlinks=False)
    except FileExistsError:
        pass  # someone claimed the name meanwhile: theirs is the newer claim
    os.unlink(tomb, dir_fd=folder)
    return False


def _open(root: str) -> int | None:
    """The ``claims`` folder, reached without following a link; None when absent or not."""
    try:
        return fsio.open_folder(root, "claims", create=False)
    except OSError:
        return None


def _claims_in(folder: int, limit: int, prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
    """(file name, claim) of the claims in the open folder whose name starts with
    ``prefix``, by name."""
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    found = []
    for name in names:
        if name.startswith(prefix) and not name.startswith(".") and name.endswith(".claim"):
            held = _held(folder, name, limit)
            if held:
                found.append((name, held))
    return found


def release(root: str, session_id: str, file_names: list[str] | None = None) -> list[str]:
    """Drop this session's claims (the named files, or all of them); the names released."""
    folder = _open(root)
    if folder is None:
        return []
    try:
        return [
            name
            for name, claim in _claims_in(folder, fsio.MAX_READ_BYTES)
            if (file_names is None or name in file_names)
            and claim.get("claimed_by") == session_id
            and _retire(folder, name, session_id, time.time(), expired_only=False)
        ]
    finally:
        os.close(folder)


def live_claims(
    root: str, now: float, prefix: str = "", exclude: str | None = None
) -> list[dict[str, Any]]:
    """Unexpired claims in ``claims/`` whose file name starts with ``prefix``, except those
    of ``exclude``; each with ``_file``. Reads the one ``claims`` folder only."""
    folder = _open(root)
    if folder is None:
        return []
    try:
        held = _claims_in(folder, 65536, prefix)
    finally:
        os.close(folder)
    return [
        {**claim, "_file": name}
        for name, claim in held
        if not is_expired(claim, now) and (exclude is None or claim.get("claimed_by") != exclude)
    ]


def _matches(glob: str, relative: str) -> bool:
    return fnmatch.fnmatchcase(relative, glob) or fnmatch.fnmatchcase(relative, glob + "/*")


def path_conflicts(
    root: str, session_id: str, paths: list[str], cwd: str, now: float
) -> list[tuple[dict[str, Any], str]]:
    """(claim, edited path) for each edited path a live claim of another live session
    covers, matched relative to the editor's work tree and to the claimer's."""
    claims = live_claims(root, now, PATH_TYPE + "-", exclude=session_id)
    if not claims or not paths:
        return []
    mine = work_tree(cwd)
    hits = []
    holders: dict[str, bool] = {}
    for claim in claims:
        glob = claim.get("resource_name")
        holder = claim.get("claimed_by")
        if not isinstance(glob, str) or not isinstance(holder, str):
            continue
        trees = {mine}
        if isinstance(claim.get("worktree"), str):
            trees.add(claim["worktree"])
        for path in paths:
            absolute = os.path.normpath(os.path.join(cwd, path))
            relatives = [os.path.relpath(absolute, tree).replace(os.sep, "/") for tree in trees]
            if any(not r.startswith("../") and _matches(glob, r) for r in relatives):
                if holder not in holders:
                    holders[holder] = _holder_live(root, holder, now)
                if holders[holder]:
                    hits.append((claim, path))
                break
    return hits


def _holder_live(root: str, holder: str, now: float) -> bool:
    """A holder with a session file must be live; a claim by a name with no session file
    (a person) holds on its expiry alone."""
    if not fsio.is_safe_id(holder):
        return True
    document = client.load(root, holder)
    return document is None or client.is_live(document, now)
