"""The private state folder and each coordination directory's corner of it.

``$XDG_STATE_HOME/coordinator-tui`` (``files.config_file``) is made mode 0700 and must be
a real folder owned by this user: a link, another owner's folder or one inside the
coordination directory is refused (``StateError``), and the approval hook then leaves
the agent's own dialog to answer. Inside it::

    approvals/<name>-<hash>/       one coordination directory (its path in ``directory``)
        pending/<id>.json          a request while its hook waits (or Gemini's, shown)
        decisions/<id>.json        an answer, taken once by the waiting hook
        audit.log                  one JSON line per request, decision and refusal
    serve.json                     the web view's address while ``serve`` runs
"""

from __future__ import annotations

import os
import stat

from coordinator_tui.approvals.ids import key_of
from coordinator_tui.files import fsio
from coordinator_tui.files.config_file import user_state_folder

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

FOLDER_MODE = 0o700
APPROVALS = "approvals"
PENDING = "pending"
DECISIONS = "decisions"
AUDIT = "audit.log"
DIRECTORY = "directory"


class StateError(OSError):
    """The private state folder cannot be trusted or made; the message says why."""


def is_inside(path: str, folder: str) -> bool:
    """``path`` is ``folder`` or below it, both taken as they resolve."""
    real, base = os.path.realpath(path), os.path.realpath(folder)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def open_state(folder: str | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """The private folder (``folder``, else the user's), made when missing, mode 0700.

    Refused: a link, not a folder, owned by someone else. A folder of ours that others
    may enter is closed to them (``chmod 0700``) rather than refused."""
    path = folder or user_state_folder(environ)
    if not os.path.isabs(path):
        raise StateError(f"the state folder {path!r} is not an absolute path")
    parent = os.path.dirname(path)
    try:
        os.makedirs(parent, mode=FOLDER_MODE, exist_ok=True)
        try:
            os.mkdir(path, FOLDER_MODE)
        except FileExistsError:
            pass
        info = os.lstat(path)
    except OSError as error:
        raise StateError(f"cannot make the state folder {path}: {error.strerror}") from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise StateError(f"the state folder {path} is a link or not a folder; refused")
    if info.st_uid != os.geteuid():
        raise StateError(f"the state folder {path} belongs to another user; refused")
    if stat.S_IMODE(info.st_mode) & 0o077:
        try:
            os.chmod(path, FOLDER_MODE, follow_symlinks=False)
        except (OSError, NotImplementedError) as error:
            raise StateError(f"cannot close the state folder {path} to others: {error}") from None
    return path


class Place:
    """One coordination directory's corner of the private state folder."""

    def __init__(self, state: str, root: str) -> None:
        self.state = state
        self.root = os.path.realpath(root)
        if is_inside(state, self.root):
            raise StateError(
                f"the state folder {state} lies inside the coordination directory {self.root}: "
                "agents could write decisions there; set XDG_STATE_HOME elsewhere"
            )
        self.key = key_of(self.root)
        self.base = os.path.join(state, APPROVALS, self.key)
        self.pending = os.path.join(self.base, PENDING)
        self.decisions = os.path.join(self.base, DECISIONS)
        self.audit = os.path.join(self.base, AUDIT)

    def folder(self, name: str) -> str:
        """``pending`` or ``decisions``, made (without following a link) when missing; the
        directory's own path is written beside them once, for ``places``."""
        made = fsio.ensure_folder(self.state, APPROVALS, self.key, name)
        if not os.path.exists(os.path.join(self.base, DIRECTORY)):
            base = fsio.ensure_folder(self.state, APPROVALS, self.key)
            fsio.replace_file(base, DIRECTORY, self.root.encode("utf-8", "surrogateescape"))
        return made

    def pending_path(self, request_id: str) -> str:
        return os.path.join(self.pending, f"{request_id}.json")

    def decision_path(self, request_id: str) -> str:
        return os.path.join(self.decisions, f"{request_id}.json")


def places(state: str) -> list[Place]:
    """Every coordination directory that has a corner in ``state`` (any that ever had a
    request), read from each corner's ``directory`` file."""
    found = []
    top = os.path.join(state, APPROVALS)
    try:
        names = sorted(os.listdir(top))
    except OSError:
        return []
    for name in names:
        data = fsio.read_bytes(os.path.join(top, name, DIRECTORY), 8192)[0]
        if not data:
            continue
        root = data.decode("utf-8", "surrogateescape")
        if not os.path.isabs(root):
            continue
        try:
            place = Place(state, root)
        except StateError:
            continue
        if place.key == name:
            found.append(place)
    return found
