"""One reader per agent kind: a transcript line in, responses counted into a ``Ledger``.

Shapes, as each agent writes them (checked in their source; fixtures of each in
``tests/fixtures/usage/``):

- **Claude Code** (``transcript_path``, JSONL): an ``assistant`` line carries
  ``message.id``, ``message.model`` and ``message.usage`` (``input_tokens``,
  ``cache_creation_input_tokens``, ``cache_read_input_tokens``, ``output_tokens``,
  ``cache_creation.ephemeral_1h_input_tokens``). Each content block of a response is
  its own line with the same id and the response's full usage: an id is counted once
  (should a later line of it report more, the difference is added). ``--resume``
  appends to the same file. Error notices are ``<synthetic>`` responses, not billed.
- **Codex** (rollout JSONL): ``event_msg`` lines whose payload is a ``token_count``
  carry ``info.total_token_usage``, cumulative for the session (``input_tokens``
  includes ``cached_input_tokens``; ``output_tokens`` includes reasoning); a response
  is the difference between two of them (the same total repeated is no response; a
  smaller one is a restarted count). The model is in ``turn_context`` lines.
- **Gemini CLI** (chat JSONL, or the older single ``.json`` document): a ``gemini``
  message carries ``tokens {input, output, cached, thoughts, tool, total}`` and its
  ``model``; a message is appended again when it changes (same ``id``), so an id is
  counted once. ``input`` includes ``cached``; ``thoughts`` are billed as output and
  ``tool`` (tool-use prompt) as input. Rewinds and ``$set`` checkpoints spend nothing.

Every line is untrusted: a count that is not a whole number from 0 to 10¹² is 0, a
line that is not JSON is skipped. A line is parsed by ``orjson`` (a third of the time of
a first look at 100 transcripts' tails, ``bench_usage``), and by ``json`` where orjson
refuses it (NaN, 1e400, a lone surrogate): the counts come out the same either way (an
integer past 64 bits, which orjson makes a float, is over 10¹² and so 0 in both).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

import orjson

from coordinator_tui.files.timeparse import parse_timestamp
from coordinator_tui.usage.ledger import Key, Ledger
from coordinator_tui.usage.tokens import UNKNOWN_MODEL, Tokens, clean_model

MAX_COUNT = 10**12
RECENT_IDS = 32
"""Ids remembered to count each response once (the lines of one response are adjacent, and
Gemini appends a changed message again right after)."""


def count(value: object) -> int:
    """A token count from an untrusted field: a whole number 0…10¹², else 0."""
    if type(value) is int:  # the usual case first (a bool's type is bool)
        return value if 0 <= value <= MAX_COUNT else 0
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value if 0 <= value <= MAX_COUNT else 0
    if isinstance(value, float) and value.is_integer() and 0 <= value <= MAX_COUNT:
        return int(value)
    return 0


def moment_of(value: object, fallback: float) -> float:
    """Epoch seconds of a transcript's timestamp; ``fallback`` when it has none."""
    if type(value) is str and len(value) == 24 and value[23] == "Z" and value[19] == ".":
        # Claude Code's form, ``2025-11-15T19:30:28.123Z``: read with an explicit offset,
        # the same moment as ``parse_timestamp`` gives (a test compares both on random
        # text) in a fraction of its time.
        try:
            return datetime.fromisoformat(value[:23] + "+00:00").timestamp()
        except ValueError:
            pass
    parsed = parse_timestamp(value) if value is not None else None
    return parsed.timestamp() if parsed is not None else fallback


_fast_loads: Callable[[bytes], Any] = orjson.loads


def _object(line: bytes) -> dict[str, Any] | None:
    try:
        document = _fast_loads(line)
    except ValueError:  # orjson.JSONDecodeError is one
        try:
            document = json.loads(line)
        except (ValueError, RecursionError):
            return None
    return document if isinstance(document, dict) else None


class Reader(Protocol):
    needles: tuple[bytes, ...]
    """A line holding none of these is skipped unparsed (most lines are tool output)."""
    default_model: str

    def feed(self, line: bytes, ledger: Ledger, fallback: float) -> None: ...

    def state(self) -> dict[str, Any]: ...

    def restore(self, state: object) -> None: ...


class _RecentIds:
    """The ids last counted, with where each went (bounded)."""

    def __init__(self) -> None:
        self.ids: OrderedDict[str, tuple[Key, float, str, Tokens]] = OrderedDict()

    def remember(self, ident: str, key: Key, moment: float, model: str, tokens: Tokens) -> None:
        self.ids[ident] = (key, moment, model, tokens)
        self.ids.move_to_end(ident)
        while len(self.ids) > RECENT_IDS:
            self.ids.popitem(last=False)

    def state(self) -> list[list[Any]]:
        return [
            [ident, list(key), moment, model, list(tokens)]
            for ident, (key, moment, model, tokens) in self.ids.items()
        ]

    def restore(self, state: object) -> None:
        self.ids.clear()
        if not isinstance(state, list):
            return
        for item in state[-RECENT_IDS:]:
            try:
                ident, key, moment, model, tokens = item
                start, key_model, band = key
                entry = (
                    (count(start), clean_model(key_model), count(band)),
                    float(moment),
                    clean_model(model),
                    Tokens(*(count(value) for value in tokens)),
                )
            except (TypeError, ValueError):
                continue
            if isinstance(ident, str) and len(entry[3]) == len(Tokens._fields):
                self.ids[ident[:200]] = entry


class ClaudeReader:
    needles: tuple[bytes, ...] = (b'"usage"',)

    def __init__(self, default_model: str = UNKNOWN_MODEL) -> None:
        self.default_model = default_model
        self.recent = _RecentIds()

    def feed(self, line: bytes, ledger: Ledger, fallback: float) -> None:
        if b'"assistant"' not in line:
            return
        document = _object(line)
        if document is None or document.get("type") != "assistant":
            return
        message = document.get("message")
        usage = message.get("usage") if isinstance(message, dict) else None
        if not isinstance(message, dict) or not isinstance(usage, dict):
            return
        raw_model = message.get("model")
        if raw_model == "<synthetic>":
            return
        model = clean_model(raw_model) if raw_model else self.default_model
        tokens = claude_tokens(usage)
        ident = message.get("id")
        if not isinstance(ident, str) or not ident:
            ledger.add(moment_of(document.get("timestamp"), fallback), model, tokens)
            return
        known = self.recent.ids.get(ident[:200])
        if known is not None:
            key, first_moment, first_model, before = known
            if tokens == before:  # the next content block of the response: nothing new
                return
            larger = Tokens(*(max(a, b) for a, b in zip(before, tokens, strict=True)))
            if larger != before:
                ledger.adjust(key, larger.minus(before), first_moment, first_model, larger)
                self.recent.remember(ident[:200], key, first_moment, first_model, larger)
            return
        moment = moment_of(document.get("timestamp"), fallback)  # a new response only
        key = ledger.add(moment, model, tokens)
        self.recent.remember(ident[:200], key, moment, model, tokens)

    def state(self) -> dict[str, Any]:
        return {"recent": self.recent.state()}

    def restore(self, state: object) -> None:
        self.recent.restore(state.get("recent") if isinstance(state, dict) else None)


def claude_tokens(usage: dict[str, Any]) -> Tokens:
    """Anthropic's usage object (its ``input_tokens`` excludes the cached parts)."""
    cache_write = count(usage.get("cache_creation_input_tokens"))
    detail = usage.get("cache_creation")
    hour = count(detail.get("ephemeral_1h_input_tokens")) if isinstance(detail, dict) else 0
    return Tokens(
        input=count(usage.get("input_tokens")),
        cache_write=cache_write,
        cache_read=count(usage.get("cache_read_input_tokens")),
        output=count(usage.get("output_tokens")),
        cache_write_1h=min(hour, cache_write),
        responses=1,
    )


_CODEX_FIELDS = ("input_tokens", "cached_input_tokens", "output_tokens")


class CodexReader:
    needles: tuple[bytes, ...] = (b'"token_count"', b'"turn_context"')

    def __init__(self, default_model: str = UNKNOWN_MODEL) -> None:
        self.default_model = default_model
        self.model: str | None = None
        self.total: tuple[int, int, int] | None = None
        """The last cumulative (input incl. cached, cached, output) seen."""

    def feed(self, line: bytes, ledger: Ledger, fallback: float) -> None:
        document = _object(line)
        if document is None:
            return
        payload = document.get("payload")
        if not isinstance(payload, dict):
            return
        kind = document.get("type")
        if kind == "turn_context":
            if isinstance(payload.get("model"), str) and payload["model"]:
                self.model = clean_model(payload["model"])
            return
        if kind != "event_msg" or payload.get("type") != "token_count":
            return
        info = payload.get("info")
        total = info.get("total_token_usage") if isinstance(info, dict) else None
        if not isinstance(total, dict):
            return
        now = (
            count(total.get("input_tokens")),
            count(total.get("cached_input_tokens")),
            count(total.get("output_tokens")),
        )
        before = self.total
        self.total = now
        if before is None or any(a < b for a, b in zip(now, before, strict=True)):
            spent = now  # the first count, or one that started again
        else:
            spent = (now[0] - before[0], now[1] - before[1], now[2] - before[2])
        whole, cached, output = spent
        if not any(spent):
            return
        cached = min(cached, whole)
        tokens = Tokens(input=whole - cached, cache_read=cached, output=output, responses=1)
        ledger.add(moment_of(document.get("timestamp"), fallback), self.model_now(), tokens)

    def model_now(self) -> str:
        return self.model or self.default_model

    def state(self) -> dict[str, Any]:
        return {"model": self.model, "total": list(self.total) if self.total else None}

    def restore(self, state: object) -> None:
        if not isinstance(state, dict):
            return
        model = state.get("model")
        self.model = clean_model(model) if isinstance(model, str) else None
        total = state.get("total")
        if isinstance(total, list) and len(total) == len(_CODEX_FIELDS):
            first, second, third = (count(value) for value in total)
            self.total = (first, second, third)


class GeminiReader:
    needles: tuple[bytes, ...] = (b'"tokens"',)

    def __init__(self, default_model: str = UNKNOWN_MODEL) -> None:
        self.default_model = default_model
        self.recent = _RecentIds()

    def feed(self, line: bytes, ledger: Ledger, fallback: float) -> None:
        document = _object(line)
        if document is not None:
            self.message(document, ledger, fallback)

    def message(self, document: dict[str, Any], ledger: Ledger, fallback: float) -> None:
        if document.get("type") != "gemini" or "$set" in document:
            return
        raw = document.get("tokens")
        if not isinstance(raw, dict):
            return
        ident = document.get("id")
        if isinstance(ident, str) and ident[:200] in self.recent.ids:
            return
        model_name = document.get("model")
        model = clean_model(model_name) if model_name else self.default_model
        moment = moment_of(document.get("timestamp"), fallback)
        tokens = gemini_tokens(raw)
        key = ledger.add(moment, model, tokens)
        if isinstance(ident, str) and ident:
            self.recent.remember(ident[:200], key, moment, model, tokens)

    def whole(self, document: object, ledger: Ledger, fallback: float) -> None:
        """The older format: one JSON document with every message, rewritten in place."""
        messages = document.get("messages") if isinstance(document, dict) else None
        for message in messages if isinstance(messages, list) else ():
            if isinstance(message, dict):
                self.message(message, ledger, fallback)

    def state(self) -> dict[str, Any]:
        return {"recent": self.recent.state()}

    def restore(self, state: object) -> None:
        self.recent.restore(state.get("recent") if isinstance(state, dict) else None)


def gemini_tokens(raw: dict[str, Any]) -> Tokens:
    """Gemini's counts (``input`` includes ``cached``; ``thoughts`` are output; ``tool``,
    the tool-use prompt, is input beside ``input``)."""
    whole = count(raw.get("input"))
    cached = min(count(raw.get("cached")), whole)
    return Tokens(
        input=whole - cached + count(raw.get("tool")),
        cache_read=cached,
        output=count(raw.get("output")) + count(raw.get("thoughts")),
        responses=1,
    )


READERS: dict[str, type[ClaudeReader] | type[CodexReader] | type[GeminiReader]] = {
    "claude": ClaudeReader,
    "codex": CodexReader,
    "gemini": GeminiReader,
}
"""The reader for each agent kind (the session file's ``agent``)."""


def reader_for(agent: str, default_model: str = UNKNOWN_MODEL) -> Reader | None:
    kind = READERS.get(agent)
    return kind(default_model) if kind is not None else None
