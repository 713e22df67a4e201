"""One validated settings object: defaults < config file < environment < command line.

``Settings`` is a pydantic-settings class: ``Settings()`` reads the TOML config file
(``files.config_file``: ``$COORDINATOR_TUI_CONFIG`` or ``config.toml`` in the user's
config folder) and the environment (``COORDINATOR_TUI_<FIELD>``, for example
``COORDINATOR_TUI_STALE_AFTER_S=300``); its arguments (the command line's flags)
win over both. A setting is one field and its docstring, which is its description
(``docstrings``; ``docs/configuration.md`` is made from them). ``load_settings`` is
what the commands call: a wrong value is a ``SettingsError`` in one line that names
the setting and where the value came from.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from coordinator_tui.docstrings import describe
from coordinator_tui.files.config_file import ConfigError, config_file, read_config

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
    """A setting could not be read or validated; the message says which, why and where from."""


def _real(value: Any) -> Any:
    """A number as the user means it (``True`` is not one; ``" 120 "`` is), finite."""
    if isinstance(value, bool):
        raise PydanticCustomError("number", "must be a number")
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise PydanticCustomError("number", "must be a number") from None
    if isinstance(value, int):
        try:
            value = float(value)
        except OverflowError:
            value = math.inf
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("finite", "must be a finite number")
    return value


def _whole(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("whole", "must be a whole number")
    return value


_WORDS = "must be a list of words (or one comma-separated string)"


def _words(value: Any) -> tuple[str, ...]:
    """Words from a list, or from one comma-separated string (the environment's form)."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(","))
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise PydanticCustomError("words", _WORDS)


Seconds = Annotated[float, BeforeValidator(_real), Field(gt=0)]
"""A duration in seconds, greater than 0."""
Fraction = Annotated[float, BeforeValidator(_real), Field(ge=0, le=1)]
"""A number from 0 to 1."""
Count = Annotated[int, BeforeValidator(_whole), Field(gt=0)]
"""A whole number greater than 0."""
Words = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_words)]
"""Words, from a list or one comma-separated string."""


def _unset_if_empty(value: Any) -> Any:
    return None if value == "" else value


Budget = Annotated[Seconds | None, BeforeValidator(_unset_if_empty)]
"""A positive amount, or none (unset, or an empty string)."""

PRICE_KINDS = ("input", "output", "cache_read", "cache_write", "cache_write_1h")
PriceTable = tuple[tuple[str, tuple[tuple[str, float], ...]], ...]


def _prices(value: Any) -> PriceTable:
    """Price overrides as a TOML table or JSON text, made hashable: ((model, ((kind, usd
    per million tokens), …)), …), each price a finite number ≥ 0 of a known kind."""
    if isinstance(value, str):
        import json

        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            raise PydanticCustomError("json", 'must be JSON: {"model": {"input": 3, …}}') from None
    if isinstance(value, tuple):
        value = {model: dict(kinds) for model, kinds in value}
    if not isinstance(value, dict):
        raise PydanticCustomError("table", "must be a table of models")
    result = []
    for model, kinds in sorted(value.items()):
        if not isinstance(model, str) or not model or not isinstance(kinds, dict):
            raise PydanticCustomError("table", "must map each model name to a table of prices")
        where = {"setting": f"prices.{model}"[:60]}
        entry = []
        for kind, price in sorted(kinds.items()):
            if kind not in PRICE_KINDS:
                raise PydanticCustomError("kind", f"has no price kind {str(kind)[:40]!r}", where)
            where = {"setting": f"prices.{model}.{kind}"[:60]}
            try:
                number = _real(price)
            except PydanticCustomError as problem:
                raise PydanticCustomError(problem.type, problem.message(), where) from None
            if not isinstance(number, float):
                raise PydanticCustomError("number", "must be a number", where)
            if number < 0:
                raise PydanticCustomError("price", "must be at least 0", where)
            entry.append((kind, number))
        result.append((model, tuple(entry)))
    return tuple(result)


Prices = Annotated[PriceTable, NoDecode, BeforeValidator(_prices)]
"""Prices per model: a TOML table of tables, or the same as JSON text."""


RuleTable = tuple[tuple[str, str], ...]


def _rule_tables(value: Any) -> tuple[RuleTable, ...]:
    """A list of TOML tables of strings, made hashable: ((key, value), …) a table."""
    if isinstance(value, (list, tuple)) and all(
        isinstance(table, (dict, tuple)) for table in value
    ):
        tables = [dict(table) for table in value]
        if all(isinstance(k, str) and isinstance(v, str) for t in tables for k, v in t.items()):
            return tuple(tuple(sorted(table.items())) for table in tables)
    raise PydanticCustomError("tables", "must be a list of tables of strings ([[approval_rules]])")


WaitSeconds = Annotated[float, BeforeValidator(_real), Field(ge=0, le=3600)]
"""A wait in seconds, from 0 to an hour."""
RuleTables = Annotated[
    tuple[tuple[tuple[str, str], ...], ...], NoDecode, BeforeValidator(_rule_tables)
]
"""Approval rules as the config file holds them, each a table of strings."""


class Settings(BaseSettings):
    """Everything the analysis, the store and the commands can be tuned by."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        frozen=True,
        extra="forbid",
        json_schema_extra=describe,
    )

    stale_after_s: Seconds = 600.0
    """A session whose last heartbeat is older than this is stale (seconds)."""

    gone_after_s: Seconds = 7200.0
    """A session whose last heartbeat is older than this is gone (seconds)."""

    placeholders: Words = DEFAULT_PLACEHOLDERS
    """Values of ``current_work`` that mean "no work" (compared after normalisation)."""

    gone_statuses: Words = (
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

    overlap_threshold: Fraction = 0.6
    """Similarity (0–1) at or above which two different works are a possible overlap."""

    stalled_after_s: Seconds = 86400.0
    """An in-progress milestone not updated for this long is stalled (seconds)."""

    max_file_bytes: Count = 1024 * 1024
    """Files larger than this are reported as errors instead of being read."""

    history_limit: Count = 2000
    """How many samples the trend history in ``.coordinator/`` keeps."""

    escalate_blocked_after_s: Seconds = 3600.0
    """A milestone blocked for this long (since its last update) escalates to a human."""

    escalate_stalled_after_s: Seconds = 3600.0
    """An in-progress milestone with no update for this long escalates to a human."""

    escalate_waiting_after_s: Seconds = 600.0
    """A session waiting for human input for this long escalates (seconds)."""

    finishing_within_s: Seconds = 900.0
    """A session whose current work is predicted to end within this gets its next
    suggestion early (seconds)."""

    predict_min_span_s: Seconds = 600.0
    """Progress observed over less than this is too little data for an ETA (seconds)."""

    resources_window_s: Seconds = 3600.0
    """How far back the start/stop suggestions look in the history samples (seconds)."""

    resources_idle_after_s: Seconds = 1800.0
    """An idle session with nothing available for this long may be stopped (seconds)."""

    prices: Prices = ()
    """Prices per model that replace genai-prices' (USD per million tokens): in the config
    file a table ``[prices."model-name"]`` with ``input``, ``output``, ``cache_read``,
    ``cache_write`` (and ``cache_write_1h``), in ``COORDINATOR_TUI_PRICES`` the same as
    JSON. A kind of token a model used but that has no price makes it "price unknown"."""

    budget_session_usd: Budget = None
    """Spend one session may reach (USD); 80 % warns, 100 % is an incident. None: no budget."""

    budget_collective_day_usd: Budget = None
    """Spend of the whole collective in one day (UTC) (USD); 80 % warns, 100 % an incident."""

    budget_milestone_usd: Budget = None
    """Spend attributed to one milestone (USD); 80 % warns, 100 % is an incident."""

    # --- the approval inbox (issue 27) ------------------------------------------------------

    approval_wait_s: WaitSeconds = 120.0
    """How long a permission request waits for an answer from the approval inbox before
    the agent's own prompt answers alone (seconds; ``hooks install`` writes it into the
    hook, with a hook timeout 15 s longer)."""

    approval_rules: RuleTables = ()
    """``[[approval_rules]]`` tables in the config file only (``tool``,
    ``command``/``path``/``url``, ``decision``, ``directory``, ``reason``): requests
    answered without a person (docs/approvals.md). The hook reads them from the file
    itself; here each is only checked to be a table of strings."""

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

    deliver_within_s: Seconds = 900.0
    """A direct message to a hook-driven session not delivered into its context within
    this long is an incident (seconds)."""

    @model_validator(mode="after")
    def _gone_after_stale(self) -> Settings:
        if self.gone_after_s <= self.stale_after_s:
            raise PydanticCustomError(
                "order",
                "must be greater than stale_after_s",
                {"gone_after_s": self.gone_after_s, "stale_after_s": self.stale_after_s},
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The arguments, then the environment, then the config file (no .env, no secrets)."""
        return init_settings, env_settings, ConfigFileSource(settings_cls)

    def updated(self, **values: Any) -> Settings:
        """A copy with ``values`` changed, checked again (the file and the environment are
        not read again)."""
        try:
            return Settings.model_validate({**self.model_dump(), **values})
        except ValidationError as error:
            raise SettingsError(_in_words(error, lambda name: "")) from None


class ConfigFileSource(PydanticBaseSettingsSource):
    """The config file's table, every key of it (an unknown one is refused by the model)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self.path, named = config_file()
        try:
            self.values = read_config(self.path, named)
        except ConfigError as error:
            raise SettingsError(str(error)) from None

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self.values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.values)


def load_settings(
    overrides: Mapping[str, Any] | None = None, flags: Mapping[str, str] | None = None
) -> Settings:
    """The settings from the defaults, the config file, the environment and ``overrides``
    (None values left out); ``flags`` names the command-line flag of each override, for
    the error message."""
    given = {name: value for name, value in (overrides or {}).items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as error:
        origins = _origins(given, flags or {})
        words = _in_words(error, lambda name: origins.get(name, "by default"))
        raise SettingsError(words) from None


def _origins(given: Mapping[str, Any], flags: Mapping[str, str]) -> dict[str, str]:
    """Where each value came from (the highest source that has it), by setting name."""
    found: dict[str, str] = {}
    source = ConfigFileSource(Settings)
    found.update(dict.fromkeys(source(), f"from {source.path}"))
    environment = EnvSettingsSource(Settings)()
    found.update({name: f"from {ENV_PREFIX}{name.upper()}" for name in environment})
    found.update({name: f"from {flags.get(name, 'the program')}" for name in given})
    return found


def _in_words(error: ValidationError, origin_of: Callable[[str], str]) -> str:
    """The first problem in the user's words, with where the value came from:
    ``overlap_threshold must be at most 1 (got 3 from --overlap-threshold)``."""
    problem = error.errors(include_url=False)[0]
    field = str(problem["loc"][0])[:60] if problem["loc"] else "gone_after_s"
    kind, got, context = problem["type"], problem["input"], problem.get("ctx", {})
    name, origin = str(context.get("setting", field)), origin_of(field)  # ``prices.m.input``
    if kind == "extra_forbidden":
        where = origin.replace("from ", "in ", 1)
        return f"{name} is not a setting" + (f" ({where})" if where else "")
    if kind == "order":
        return (
            f"gone_after_s {problem['msg']} ("
            + ", ".join(
                f"{field} {_shown(context[field])} {origin_of(field)}".rstrip()
                for field in ("gone_after_s", "stale_after_s")
            )
            + ")"
        )
    rule = _RULES[kind].format(**context) if kind in _RULES else problem["msg"]
    if isinstance(got, (dict, list, tuple)):
        return f"{name} {rule}" + (f" ({origin})" if origin else "")
    return f"{name} {rule} (got {_shown(got)[:60]} {origin}".rstrip() + ")"


_RULES = {
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "greater_than": "must be greater than {gt:g}",
    "greater_than_equal": "must be at least {ge:g}",
    "less_than_equal": "must be at most {le:g}",
}
"""pydantic's error types in plain words (an error of our own is worded already)."""


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value) if isinstance(value, int) else repr(value)
