"""The user's own places: the config file (read as untrusted input) and the private state.

Standard library only: the settings (``coordinator_tui.settings``), the tmux status
line (``statusline``, which must stay fast) and the approval hook read the file through
here, so they agree on where it is. The file is TOML at ``$COORDINATOR_TUI_CONFIG``, or
else ``config.toml`` in the user's config folder as ``platformdirs`` names it. Its
sibling, ``user_state_folder``, is where the approval inbox keeps requests, decisions
and its audit log: the hook and the command line find it from the same HOME.
"""

from __future__ import annotations

import errno
import os
import stat
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # the status line imports this module: typing would cost it milliseconds
    from collections.abc import Mapping
    from typing import Any

APP = "coordinator-tui"
CONFIG_VARIABLE = "COORDINATOR_TUI_CONFIG"
MAX_CONFIG_BYTES = 1 << 20
_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class ConfigError(ValueError):
    """The config file could not be read; the message names the file and says why."""


def config_file(environ: Mapping[str, str] = os.environ) -> tuple[str, bool]:
    """The config file's path, and whether ``$COORDINATOR_TUI_CONFIG`` named it."""
    named = environ.get(CONFIG_VARIABLE)
    if named:
        return named, True
    return os.path.join(user_config_folder(environ), "config.toml"), False


def user_config_folder(environ: Mapping[str, str] = os.environ) -> str:
    """``platformdirs.user_config_dir("coordinator-tui")``. On Linux and the BSDs its rule
    (an absolute ``$XDG_CONFIG_HOME``, else ``~/.config``) is applied here: importing
    platformdirs (pathlib, tempfile, shutil) would cost the status line a third of its
    run. ``tests/test_settings.py`` holds the two equal."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        base = environ.get("XDG_CONFIG_HOME", "")
        if not os.path.isabs(base):
            base = os.path.join(os.path.expanduser("~"), ".config")
        return os.path.join(base, APP)
    from platformdirs import user_config_dir

    return user_config_dir(APP, appauthor=False)


def user_state_folder(environ: Mapping[str, str] = os.environ) -> str:
    """``platformdirs.user_state_dir("coordinator-tui")``: on Linux and the BSDs an
    absolute ``$XDG_STATE_HOME``, else ``~/.local/state`` (applied here, as for the
    config folder: the hook runs on every agent event). Mode 0700, never in a project
    (``approvals.state``)."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        base = environ.get("XDG_STATE_HOME", "")
        if not os.path.isabs(base):
            base = os.path.join(_home(environ), ".local", "state")
        return os.path.join(base, APP)
    from platformdirs import user_state_dir

    return user_state_dir(APP, appauthor=False)


def _home(environ: Mapping[str, str]) -> str:
    home = environ.get("HOME", "")
    return home if os.path.isabs(home) else os.path.expanduser("~")


def read_config(path: str, named: bool) -> dict[str, Any]:
    """The file's settings (its ``[coordinator-tui]`` table, or its top level); {} when
    there is no file at the default place. ``ConfigError`` when it cannot be read."""
    raw = config_bytes(path, named)
    if raw is None:
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10: the same parser, from PyPI
        import tomli as tomllib
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{path}: {error}") from None
    section = data.get(APP, data)
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: expected a table of settings")
    return dict(section)


def config_bytes(path: str, named: bool) -> bytes | None:
    """The file's bytes; None when there is none. Opened non-blocking and checked on the
    descriptor (a FIFO or a device must not hang or flood every command).

    A path named by ``COORDINATOR_TUI_CONFIG`` must be a readable file: anything else is
    an error. At the default place, a missing file is no config, and so is a folder on
    the way that this user may not enter (``sudo -u`` with someone else's ``HOME``); a
    file that is there but unreadable is an error.
    """
    try:
        fd = os.open(path, _FLAGS)
    except FileNotFoundError:
        if named:
            raise ConfigError(f"config file {path} ({CONFIG_VARIABLE}) does not exist") from None
        return None
    except OSError as error:
        if not named and error.errno == errno.EACCES and not _visible(path):
            return None
        raise ConfigError(f"cannot read the config file {path}: {error.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            if not named and stat.S_ISDIR(info.st_mode):
                return None
            raise ConfigError(f"config file {path} is not a regular file")
        data = os.read(fd, MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"cannot read the config file {path}: {error.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config file {path} is larger than {MAX_CONFIG_BYTES:,} bytes")
    return data


def _visible(path: str) -> bool:
    """The file itself can be seen (so it exists and only its content is refused)."""
    try:
        os.lstat(path)
    except OSError:
        return False
    return True
