"""tmux, driven safely: jump to a session's pane, open a window for an agent, look at a
pane, type one line into it, close it (Textual-free; standard library only).

Nothing here goes through a shell. A command for a new window is given to tmux as
separate words (tmux then runs it directly); the values tmux would expand as formats
(``-c``, ``-n``) are escaped or restricted; a pane is named only by its id (``%12``),
a socket only by an absolute path, so a session file (untrusted) cannot smuggle
options, formats or commands into a tmux command line.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass

_PANE = re.compile(r"^%\d+$")
_WINDOW = re.compile(r"^@\d+$")
_NAME = re.compile(r"[^A-Za-z0-9._-]+")
TIMEOUT_S = 10.0


class TmuxError(Exception):
    """tmux refused or is not there; the message says what tmux said."""


def check_pane(pane: object) -> str:
    if not isinstance(pane, str) or not _PANE.match(pane):
        raise ValueError(f"not a tmux pane id: {pane!r}")
    return pane


def check_socket(socket: object) -> str | None:
    if socket is None or socket == "":
        return None
    if not isinstance(socket, str) or not socket.startswith("/") or "\n" in socket:
        raise ValueError(f"not a tmux socket path: {socket!r}")
    return socket


def base(socket: str | None = None) -> list[str]:
    """``tmux`` on the default server, or ``tmux -S SOCKET``."""
    checked = check_socket(socket)
    return ["tmux", "-S", checked] if checked else ["tmux"]


def tmux_switch_command(pane: str, socket: str | None = None) -> list[str]:
    """The argv that makes the current tmux client show ``pane`` (``%12``, as hooks record
    it from ``$TMUX_PANE``): switch to its session, then select its window and pane.

    ``socket`` is the server socket the session recorded (``tmux_socket``), for an agent
    on another tmux server than the dashboard. ValueError for anything but a pane id, so
    a session file cannot smuggle options or commands into the tmux command line."""
    check_pane(pane)
    return [
        *base(socket),
        "switch-client",
        "-t",
        pane,
        ";",
        "select-window",
        "-t",
        pane,
        ";",
        "select-pane",
        "-t",
        pane,
    ]


def current_socket(environ: dict[str, str] | None = None) -> str | None:
    """The server this process runs under (``$TMUX``'s first field), else None."""
    value = (os.environ if environ is None else environ).get("TMUX", "")
    socket = value.split(",", 1)[0]
    return socket if socket.startswith("/") else None


def window_name(text: str) -> str:
    """A window name tmux shows as written: letters, digits, ``._-`` (tmux expands ``#``
    formats in ``-n``), at most 40 characters."""
    name = _NAME.sub("-", text).strip("-.")[:40]
    return name or "agent"


def _run(argv: list[str], what: str) -> str:
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError:
        raise TmuxError("tmux is not installed (or not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise TmuxError(f"tmux did not answer within {TIMEOUT_S:.0f} s ({what})") from None
    if done.returncode != 0:
        said = " ".join(done.stderr.split())[:300] or f"exit {done.returncode}"
        raise TmuxError(f"tmux {what}: {said}")
    return done.stdout


@dataclass(frozen=True)
class Window:
    """A window ``open_window`` made: its pane, window, the pane's first process, and the
    tmux session and server it is in."""

    pane: str
    window: str
    pid: int
    session: str
    socket: str | None
    """The server's socket path (as tmux says it)."""


_FORMAT = "#{pane_id}\t#{window_id}\t#{pane_pid}\t#{session_name}\t#{socket_path}"


def open_window(
    argv: list[str],
    *,
    name: str,
    cwd: str,
    env: dict[str, str],
    socket: str | None = None,
    session: str | None = None,
) -> Window:
    """A new window running ``argv`` (words, run without a shell), in the background.

    ``session`` None: in the current session of the server ``socket`` (run from inside
    tmux). A name: in that session, made first when the server has none of that name."""
    if not argv:
        raise ValueError("no command")
    server = base(socket)
    common = ["-P", "-F", _FORMAT, "-n", window_name(name), "-c", cwd.replace("#", "##")]
    for key, value in env.items():
        common += ["-e", f"{key}={value}"]
    if session is None:
        command = [*server, "new-window", "-d", *common, "--", *argv]
    elif _has_session(server, session):
        command = [*server, "new-window", "-d", "-t", f"={session}:", *common, "--", *argv]
    else:
        command = [*server, "new-session", "-d", "-s", session, "-x", "200", "-y", "50"]
        command += [*common, "--", *argv]
    out = _run(command, "new-window").rstrip("\n").split("\t")
    if len(out) != 5 or not _PANE.match(out[0]) or not _WINDOW.match(out[1]):
        raise TmuxError(f"tmux new-window printed {out!r}")
    return Window(out[0], out[1], int(out[2]), out[3], out[4] if out[4].startswith("/") else socket)


def _has_session(server: list[str], session: str) -> bool:
    try:
        _run([*server, "has-session", "-t", f"={session}"], "has-session")
    except TmuxError:
        return False
    return True


@dataclass(frozen=True)
class PaneInfo:
    pane: str
    window: str
    pid: int
    command: str
    """What runs in the pane now (``pane_current_command``)."""
    dead: bool
    panes_in_window: int


def pane_info(pane: str, socket: str | None = None) -> PaneInfo | None:
    """What tmux says about ``pane``; None when there is no such pane (or no server)."""
    check_pane(pane)
    form = "#{pane_id}\t#{window_id}\t#{pane_pid}\t#{pane_dead}\t#{window_panes}\t"
    form += "#{pane_current_command}"
    try:
        out = _run([*base(socket), "display-message", "-p", "-t", pane, form], "display-message")
    except TmuxError:
        return None
    parts = out.rstrip("\n").split("\t", 5)
    if len(parts) != 6 or parts[0] != pane or not parts[2].isdigit():
        return None
    panes = int(parts[4]) if parts[4].isdigit() else 1
    return PaneInfo(parts[0], parts[1], int(parts[2]), parts[5], parts[3] == "1", panes)


def capture(pane: str, socket: str | None = None) -> str:
    """The text the pane shows now (no colours)."""
    check_pane(pane)
    return _run([*base(socket), "capture-pane", "-p", "-t", pane], "capture-pane")


def type_line(pane: str, text: str, socket: str | None = None) -> None:
    """Type ``text`` literally into the pane, then Enter (two calls: the agent sees the
    Enter as a key of its own, not as part of a paste)."""
    check_pane(pane)
    if any(char < " " or char == "\x7f" for char in text):
        raise ValueError("a line to type may not hold control characters")
    _run([*base(socket), "send-keys", "-t", pane, "-l", "--", text], "send-keys")
    _run([*base(socket), "send-keys", "-t", pane, "Enter"], "send-keys")


def kill_window(window: str, socket: str | None = None) -> None:
    if not isinstance(window, str) or not _WINDOW.match(window):
        raise ValueError(f"not a tmux window id: {window!r}")
    _run([*base(socket), "kill-window", "-t", window], "kill-window")


def kill_pane(pane: str, socket: str | None = None) -> None:
    check_pane(pane)
    _run([*base(socket), "kill-pane", "-t", pane], "kill-pane")
