"""Which files sync may move: the coordination layout under DIR, nothing else.

Only the names FORMATS.md lists travel (``sessions/``, ``messages/``,
``claims/``, ``heartbeats/``, ``priorities.txt``, ``claude_sessions.json``,
``SPRINT_REPORT_*.md``), so a DIR that is the top of a project repository still
never commits the project's own files, and a remote's file anywhere else is never
written here. Hidden names anywhere are left out: that covers the atomic writers'
``.tmp-*`` files, editor swap files, a ``.gitattributes`` and the private
``.coordinator/`` folder (trend history, alert memory, sync state).

``pathspecs`` asks git for the names (listing only); ``is_coordination`` says the
same of one path relative to DIR, for paths that come from a remote's trees.
"""

from __future__ import annotations

import fnmatch

COORDINATION_FOLDERS = ("sessions", "messages", "claims", "heartbeats")
COORDINATION_FILES = ("priorities.txt", "claude_sessions.json", "SPRINT_REPORT_*.md")
CLAIMS_FOLDER = "claims"
CLAIM_SUFFIX = ".claim"


def join(prefix: str, name: str) -> str:
    """``name`` (relative to DIR) from the top of the work tree (DIR is ``prefix`` there)."""
    return f"{prefix}/{name}" if prefix else name


def _escape_glob(text: str) -> str:
    """A literal path for a glob pathspec (DIR may contain ``*``, ``?`` or ``[``)."""
    return "".join(f"[{char}]" if char in "*?[]\\" else char for char in text)


def pathspecs(prefix: str) -> list[str]:
    """Git pathspecs (from the top of the work tree) for the coordination files under
    ``prefix`` (DIR's path inside the work tree, ``""`` at the top)."""
    base = _escape_glob(prefix)
    specs = [f":(top,glob){join(base, folder)}/**" for folder in COORDINATION_FOLDERS]
    specs += [f":(top,glob){join(base, name)}" for name in COORDINATION_FILES]
    specs += [
        f":(top,glob,exclude){join(base, '**/.*')}",
        f":(top,glob,exclude){join(base, '**/.*/**')}",
    ]
    return specs


def is_coordination(relative: str) -> bool:
    """Whether ``relative`` (a path relative to DIR) is a name sync moves: no empty or
    hidden part, and a coordination folder or file at the top."""
    if relative[:1] in ("", ".", "/") or "/." in relative or "//" in relative:
        return False
    if relative.endswith("/"):
        return False
    first, slash, _rest = relative.partition("/")
    if slash:
        return first in COORDINATION_FOLDERS
    return any(fnmatch.fnmatchcase(first, pattern) for pattern in COORDINATION_FILES)


def is_claim(relative: str) -> bool:
    """Whether ``relative`` (a path relative to DIR) is a claim file."""
    folder, _, name = relative.rpartition("/")
    return folder == CLAIMS_FOLDER and name.endswith(CLAIM_SUFFIX)


def inside(prefix: str, path: str) -> str | None:
    """``path`` (from the top of the work tree) relative to DIR; None when not under DIR."""
    if not prefix:
        return path
    return path[len(prefix) + 1 :] if path.startswith(prefix + "/") else None
