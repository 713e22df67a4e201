"""The user's own folders: private state and the config file (standard library only).

The approval hook, the command line and the dashboard must find the same private state
folder from the same HOME, so its rule is written once, here, beside the file layer;
the config file's place is its sibling. Both follow the XDG base directory rule as
``platformdirs`` applies it on Linux (an absolute ``$XDG_STATE_HOME`` /
``$XDG_CONFIG_HOME``, else ``~/.local/state`` / ``~/.config``), without importing it:
the hooks must stay cheap.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

APP = "coordinator-tui"
CONFIG_VARIABLE = "COORDINATOR_TUI_CONFIG"


def _home(environ: Mapping[str, str]) -> str:
    home = environ.get("HOME", "")
    return home if os.path.isabs(home) else os.path.expanduser("~")


def _base(environ: Mapping[str, str], variable: str, *fallback: str) -> str:
    base = environ.get(variable, "")
    return base if os.path.isabs(base) else os.path.join(_home(environ), *fallback)


def user_state_folder(environ: Mapping[str, str] = os.environ) -> str:
    """``$XDG_STATE_HOME/coordinator-tui``, else ``~/.local/state/coordinator-tui``:
    approval requests, decisions and their audit log (mode 0700, never in a project)."""
    return os.path.join(_base(environ, "XDG_STATE_HOME", ".local", "state"), APP)


def user_config_file(environ: Mapping[str, str] = os.environ) -> tuple[str, bool]:
    """The config file's path, and whether ``$COORDINATOR_TUI_CONFIG`` named it (else
    ``$XDG_CONFIG_HOME/coordinator-tui/config.toml`` or ``~/.config/…``)."""
    named = environ.get(CONFIG_VARIABLE)
    if named:
        return named, True
    return os.path.join(_base(environ, "XDG_CONFIG_HOME", ".config"), APP, "config.toml"), False
