"""One validated settings object: defaults < config file < environment < command line.

Standard library only (a frozen dataclass checked by ``_check_field``): every
command imports this module, and pydantic alone took ~150 ms of a ``status``
run, more than the whole plain read of a 1,000-session directory.

The config file is TOML at ``$COORDINATOR_TUI_CONFIG`` or
``~/.config/coordinator-tui/config.toml``; environment variables are
``COORDINATOR_TUI_<FIELD>`` (for example ``COORDINATOR_TUI_STALE_AFTER_S=300``).
"""

from __future__ import annotations

import errno
import math
import os
import stat
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10: the same parser, from PyPI
    import tomli as tomllib

ENV_PREFIX = "COORDINATOR_TUI_"

DEFAULT_PLACEHOLDERS = (
    "",
    "session initialization",
    "session initialisation",
    "initializing",
    "initialization",
    "starting",
    "null",
    "none",
    "idle",
    "unknown",
    "n/a",
    "na",
    "tbd",
    "waiting",
    "waiting for work",
    "available",
    "active session",
    "nothing",
)


class SettingsError(ValueError):
    """A setting could not be read or validated; the message says which and why."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything the analysis, the store and the commands can be tuned by. Made with
    wrong values (``Settings(stale_after_s="soon")``), it raises ``SettingsError``."""

    stale_after_s: float = 600.0
    """A session whose last heartbeat is older than this is stale (seconds)."""

    gone_after_s: float = 7200.0
    """A session whose last heartbeat is older than this is gone (seconds)."""

    placeholders: tuple[str, ...] = DEFAULT_PLACEHOLDERS
    """Values of ``current_work`` that mean "no work" (compared after normalisation)."""

    gone_statuses: tuple[str, ...] = (
        "ended",
        "inactive",
        "completed",
        "complete",
        "terminated",
        "stopped",
        "offline",
        "dead",
        "exited",
    )
    """Values of ``status`` that mark a session as gone whatever its heartbeat says."""

    overlap_threshold: float = 0.6
    """Similarity (0–1) at or above which two different works are a possible overlap."""

    stalled_after_s: float = 86400.0
    """An in-progress milestone not updated for this long is stalled (seconds)."""

    max_file_bytes: int = 1024 * 1024
    """Files larger than this are reported as errors instead of being read."""

    history_limit: int = 2000
    """How many samples the trend history in ``.coordinator/`` keeps."""

    # --- the coordinator acts (issue 13): escalation, prediction, resources ---------------

    escalate_blocked_after_s: float = 3600.0
    """A milestone blocked for this long (since its last update) escalates to a human."""

    escalate_stalled_after_s: float = 3600.0
    """An in-progress milestone with no update for this long escalates to a human."""

    escalate_waiting_after_s: float = 600.0
    """A session waiting for human input for this long escalates (seconds)."""

    finishing_within_s: float = 900.0
    """A session whose current work is predicted to end within this gets its next
    suggestion early (seconds)."""

    predict_min_span_s: float = 600.0
    """Progress observed over less than this is too little data for an ETA (seconds)."""

    resources_window_s: float = 3600.0
    """How far back the start/stop suggestions look in the history samples (seconds)."""

    resources_idle_after_s: float = 1800.0
    """An idle session with nothing available for this long may be stopped (seconds)."""

    # --- what the agents cost (issue 28): prices and budgets ------------------------------

    prices: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()
    """Prices per model that replace genai-prices' (USD per million tokens): in the config
    file a table ``[prices."model-name"]`` with ``input``, ``output``, ``cache_read``,
    ``cache_write`` (and ``cache_write_1h``), in ``COORDINATOR_TUI_PRICES`` the same as
    JSON. A kind of token a model used but that has no price makes it "price unknown"."""

    budget_session_usd: float | None = None
    """Spend one session may reach (USD); 80 % warns, 100 % is an incident. None: no budget."""

    budget_collective_day_usd: float | None = None
    """Spend of the whole collective in one day (UTC) (USD); 80 % warns, 100 % an incident."""

    budget_milestone_usd: float | None = None
    """Spend attributed to one milestone (USD); 80 % warns, 100 % is an incident."""

    # --- starting, waking and stopping agents (issue 29) ----------------------------------

    start_command_claude: str = "claude --session-id {session} --settings {hooks} {prompt}"
    """The shell command ``start`` runs for Claude Code in a new tmux window. Placeholders,
    each replaced by one shell-quoted word (never quote them yourself): ``{prompt}`` (the
    priority's text and how to coordinate), ``{session}`` (the session id), ``{hooks}``
    (Claude only: our hooks as a ``--settings`` JSON, so no file in the project changes),
    ``{dir}`` (the coordination directory), ``{priority}`` (the priority's name)."""

    start_command_codex: str = "codex {prompt}"
    """``start``'s shell command for Codex (placeholders as for Claude, but ``{hooks}``)."""

    start_command_gemini: str = "gemini --prompt-interactive {prompt}"
    """``start``'s shell command for Gemini CLI (placeholders as for Claude, but ``{hooks}``)."""

    start_worktree_setup: str = ""
    """A shell command run in a new worktree before the agent starts (``start
    --worktree``), in its tmux window: ``$COORDINATOR_TUI_REPO`` is the repository, for
    example ``cp "$COORDINATOR_TUI_REPO/.env" . && npm ci``. Empty: none."""

    start_tmux_session: str = "coordinator-tui"
    """The tmux session ``start`` opens its windows in when run outside tmux."""

    deliver_within_s: float = 900.0
    """A direct message to a hook-driven session not delivered into its context within
    this long is an incident (seconds)."""

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = _check_field(spec.name, getattr(self, spec.name))
            object.__setattr__(self, spec.name, value)

    def check(self) -> Settings:
        if self.gone_after_s <= self.stale_after_s:
            raise SettingsError("gone_after_s must be greater than stale_after_s")
        return self

    def updated(self, **values: Any) -> Settings:
        """A copy with ``values`` changed, checked again."""
        return replace(self, **values).check()


def _config_path(environ: dict[str, str]) -> Path:
    explicit = environ.get("COORDINATOR_TUI_CONFIG")
    if explicit:
        return Path(explicit)
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "coordinator-tui" / "config.toml"


MAX_CONFIG_BYTES = 1 << 20
_CONFIG_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def _config_bytes(path: Path, named: bool) -> bytes | None:
    """The config file's bytes; None when there is none. Opened non-blocking and checked
    on the descriptor (a FIFO or a device must not hang or flood every command).

    A path named by ``COORDINATOR_TUI_CONFIG`` must be a readable file: anything else is
    a ``SettingsError``. At the default place, a missing file is no config, and so is a
    folder on the way that this user may not enter (``sudo -u`` with someone else's
    ``HOME``); a file that is there but unreadable is an error.
    """
    try:
        fd = os.open(path, _CONFIG_FLAGS)
    except FileNotFoundError:
        if named:
            raise SettingsError(
                f"config file {path} (COORDINATOR_TUI_CONFIG) does not exist"
            ) from None
        return None
    except OSError as error:
        if not named and error.errno == errno.EACCES and not _visible(path):
            return None
        raise SettingsError(f"cannot read the config file {path}: {error.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            if not named and stat.S_ISDIR(info.st_mode):
                return None
            raise SettingsError(f"config file {path} is not a regular file")
        data = os.read(fd, MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise SettingsError(f"cannot read the config file {path}: {error.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_CONFIG_BYTES:
        raise SettingsError(f"config file {path} is larger than {MAX_CONFIG_BYTES:,} bytes")
    return data


def _visible(path: Path) -> bool:
    """The file itself can be seen (so it exists and only its content is refused)."""
    try:
        os.lstat(path)
    except OSError:
        return False
    return True


def _from_file(path: Path, named: bool = False) -> dict[str, Any]:
    raw = _config_bytes(path, named)
    if raw is None:
        return {}
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"{path}: {error}") from None
    section = data.get("coordinator-tui", data)
    if not isinstance(section, dict):
        raise SettingsError(f"{path}: expected a table of settings")
    return dict(section)


def _from_environment(environ: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for spec in fields(Settings):
        raw = environ.get(ENV_PREFIX + spec.name.upper())
        if raw is not None:
            values[spec.name] = raw
    return values


def load_settings(
    overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None
) -> Settings:
    """Build the settings from defaults, the config file, the environment and ``overrides``."""
    env = dict(os.environ) if environ is None else environ
    merged: dict[str, Any] = {}
    merged.update(_from_file(_config_path(env), named=bool(env.get("COORDINATOR_TUI_CONFIG"))))
    merged.update(_from_environment(env))
    merged.update({k: v for k, v in (overrides or {}).items() if v is not None})
    known = {spec.name for spec in fields(Settings)}
    for name in merged:
        if name not in known:
            raise SettingsError(f"{_where(name)} is not a setting")
    return Settings(**merged).check()


_POSITIVE = ("gt", 0)
_BOUNDS: dict[str, tuple[tuple[str, float], ...]] = {
    "overlap_threshold": (("ge", 0), ("le", 1)),
}
"""Each number's bounds; a number not named here must be greater than 0."""
_RULES = {
    "gt": (lambda value, bound: value > bound, "must be greater than {}"),
    "ge": (lambda value, bound: value >= bound, "must be at least {}"),
    "le": (lambda value, bound: value <= bound, "must be at most {}"),
}
_WORDS = "must be a list of words (or one comma-separated string)"


def _where(name: Any) -> str:
    return str(name)[:60] or "settings"


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _invalid(name: str, rule: str, got: Any) -> SettingsError:
    """The problem in the user's words: ``overlap_threshold must be at most 1 (got 3)``."""
    if isinstance(got, dict):
        return SettingsError(f"{name} {rule}")
    shown = _number(got) if isinstance(got, (int, float)) else repr(got)
    return SettingsError(f"{name} {rule} (got {shown[:60]})")


def _check_field(name: str, value: Any) -> Any:
    """``value`` as setting ``name`` holds it (a number from text, words from a
    comma-separated string), or ``SettingsError`` saying why it cannot be."""
    kind = Settings.__annotations__[name]
    if kind == "str":
        return _text(name, value)
    if kind == "tuple[str, ...]":
        return _words(name, value)
    if kind == "float | None":
        return None if value is None or value == "" else _check_field_number(name, value, "float")
    if kind.startswith("tuple[tuple[str, tuple[tuple[str, float]"):
        return _prices(name, value)
    return _check_field_number(name, value, kind)


def _check_field_number(name: str, value: Any, kind: str) -> Any:
    number = _whole(name, value) if kind == "int" else _real(name, value)
    for rule, bound in _BOUNDS.get(name, (_POSITIVE,)):
        holds, words = _RULES[rule]
        if not holds(number, bound):
            raise _invalid(name, words.format(_number(bound)), value)
    return number


PRICE_KINDS = ("input", "output", "cache_read", "cache_write", "cache_write_1h")


def _prices(name: str, value: Any) -> tuple[tuple[str, tuple[tuple[str, float], ...]], ...]:
    """Price overrides as a TOML table or JSON text, made hashable: ((model, ((kind, usd
    per million tokens), …)), …), each price a finite number ≥ 0 of a known kind."""
    if isinstance(value, str):
        import json

        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            raise _invalid(name, 'must be JSON: {"model": {"input": 3, …}}', value) from None
    if isinstance(value, tuple):
        value = {model: dict(kinds) for model, kinds in value}
    if not isinstance(value, dict):
        raise _invalid(name, "must be a table of models", value)
    result = []
    for model, kinds in sorted(value.items()):
        if not isinstance(model, str) or not model or not isinstance(kinds, dict):
            raise _invalid(name, "must map each model name to a table of prices", value)
        entry = []
        for kind, price in sorted(kinds.items()):
            if kind not in PRICE_KINDS:
                raise _invalid(f"{name}.{model}", f"has no price kind {str(kind)[:40]!r}", value)
            number = _real(f"{name}.{model}.{kind}", price)
            if number < 0:
                raise _invalid(f"{name}.{model}.{kind}", "must be at least 0", price)
            entry.append((kind, number))
        result.append((model, tuple(entry)))
    return tuple(result)


def _real(name: str, value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise _invalid(name, "must be a number", value) from None
    else:
        raise _invalid(name, "must be a number", value)
    if not math.isfinite(number):
        raise _invalid(name, "must be a finite number", value)
    return number


def _whole(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise _invalid(name, "must be a whole number", value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise _invalid(name, "must be a whole number", value)


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str) or "\x00" in value:
        raise _invalid(name, "must be text", value)
    return value


def _words(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(","))
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise _invalid(name, _WORDS, value)
