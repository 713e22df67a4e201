"""Which files sync may commit: the coordination layout under DIR, nothing else.

Only the names FORMATS.md lists are committed (``sessions/``, ``messages/``,
``claims/``, ``heartbeats/``, ``priorities.txt``, ``claude_sessions.json``,
``SPRINT_REPORT_*.md``), so a DIR that is the top of a project repository still
never commits the project's own files. Hidden names anywhere are left out:
that covers the atomic writers' ``.tmp-*`` files, editor swap files and the
private ``.coordinator/`` folder (trend history, alert memory, sync state).
"""

from __future__ import annotations

import posixpath

COORDINATION_FOLDERS = ("sessions", "messages", "claims", "heartbeats")
COORDINATION_FILES = ("priorities.txt", "claude_sessions.json", "SPRINT_REPORT_*.md")
CLAIMS_FOLDER = "claims"
CLAIM_SUFFIX = ".claim"


def _join(prefix: str, name: str) -> str:
    return f"{prefix}/{name}" if prefix else name


def _escape_glob(text: str) -> str:
    """A literal path for a glob pathspec (DIR may contain ``*``, ``?`` or ``[``)."""
    return "".join(f"[{char}]" if char in "*?[]\\" else char for char in text)


def pathspecs(prefix: str) -> list[str]:
    """Git pathspecs (from the top of the work tree) for the coordination files under
    ``prefix`` (DIR's path inside the work tree, ``""`` at the top)."""
    base = _escape_glob(prefix)
    specs = [f":(top,glob){_join(base, folder)}/**" for folder in COORDINATION_FOLDERS]
    specs += [f":(top,glob){_join(base, name)}" for name in COORDINATION_FILES]
    specs += [
        f":(top,glob,exclude){_join(base, '**/.*')}",
        f":(top,glob,exclude){_join(base, '**/.*/**')}",
    ]
    return specs


def is_claim(prefix: str, path: str) -> bool:
    """Whether ``path`` (from the top of the work tree) is a claim file under DIR."""
    folder, name = posixpath.split(path)
    return folder == _join(prefix, CLAIMS_FOLDER) and name.endswith(CLAIM_SUFFIX)


def inside(prefix: str, path: str) -> str:
    """``path`` (from the top of the work tree) relative to DIR."""
    return path[len(prefix) + 1 :] if prefix else path
