"""genai-prices' rates, kept in the user's cache: the library is imported only for a model
(and size band) no look has priced before with the same installed price data.

Importing genai-prices costs about half a second (pydantic, httpx and 1.6 MB of data),
more than opening a dashboard on 100 sessions without it (``bench_usage``). The rates it
gives one model in one size band never change for one installed copy of its data, except
where a model's prices change on a date or by the time of day: those are kept only until
that date, or not at all (``analysis.costs.prices`` decides). So they are kept here, in
``$XDG_CACHE_HOME/coordinator-tui/rates.json`` (``~/.cache`` by default): the user's own
file, not the shared directory's, where any of its writers could forge a price of $0 for
everyone. The table is keyed by the installed data's signature (its path, size and
modification time): another copy of genai-prices starts an empty table.

A table that cannot be read or written is no error: the library is imported, as without
one. Every value read is checked (a decimal number from 0 to 10⁶, a short reason).
"""

from __future__ import annotations

import json
import os
import time
from decimal import Decimal, InvalidOperation

from coordinator_tui.files.fsio import read_bytes, replace_file

NAME = "rates.json"
FOLDER = "coordinator-tui"
VERSION = 1
MAX_TABLE_BYTES = 1 << 20
MAX_ENTRIES = 2000
MAX_REASON = 200
MAX_RATE = Decimal(10**6)
KINDS = 6
"""USD per token of input, cache write, cache write for an hour, cache read, output, and
per response (``analysis.costs.prices.Rates``); None: that kind has no price."""

Entry = tuple[tuple[Decimal | None, ...] | None, str | None]
"""(rates, None) for a priced model, (None, reason) for one genai-prices cannot price."""


def cache_folder() -> str:
    """``$XDG_CACHE_HOME/coordinator-tui``, else ``~/.cache/coordinator-tui``."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if not os.path.isabs(base):  # the XDG rule: a relative value is ignored
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, FOLDER)


def library_signature() -> str | None:
    """Which copy of genai-prices' data is installed, without importing it (a lookup of its
    folder and a ``stat``); None when it is not installed."""
    from importlib.util import find_spec

    try:
        spec = find_spec("genai_prices")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    data = os.path.join(os.path.dirname(spec.origin), "data.py")
    try:
        info = os.stat(data)
    except OSError:
        return None
    return f"{data}:{info.st_size}:{info.st_mtime_ns}"


def _key(model: str, band: int) -> str:
    return f"{band}:{model}"


class RateTable:
    """The cached rates of one installed genai-prices; read on the first ``get``, written
    through on each ``put`` (a few times a process at most: once per model and band)."""

    def __init__(self, folder: str | None = None, signature: str | None = None) -> None:
        self.folder = folder
        self._signature = signature
        self._entries: dict[str, object] | None = None

    @property
    def signature(self) -> str | None:
        if self._signature is None:
            self._signature = library_signature() or ""
        return self._signature or None

    def get(self, model: str, band: int, today: str | None = None) -> Entry | None:
        """The cached entry, or None when there is none (or it is malformed, or expired)."""
        entry = self._load().get(_key(model, band))
        return _entry(entry, today or _today())

    def put(
        self,
        model: str,
        band: int,
        rates: tuple[Decimal | None, ...] | None,
        reason: str | None,
        until: str | None = None,
    ) -> None:
        """Keep what genai-prices said for ``model`` in ``band`` (until the UTC day
        ``until``, when its price changes then) and write the table."""
        signature = self.signature
        if signature is None:
            return
        entries = self._load()
        if len(entries) >= MAX_ENTRIES:
            entries.clear()
        item: dict[str, object] = {"until": until}
        if rates is not None:
            item["rates"] = [None if rate is None else str(rate) for rate in rates]
        else:
            item["unknown"] = (reason or "")[:MAX_REASON]
        entries[_key(model, band)] = item
        document = {"version": VERSION, "library": signature, "rates": entries}
        data = json.dumps(document, separators=(",", ":")).encode("utf-8")
        try:
            replace_file(self.folder or cache_folder(), NAME, data, durable=False)
        except OSError:
            return  # a read-only or missing home: the library is imported next time too

    def _load(self) -> dict[str, object]:
        if self._entries is None:
            self._entries = self._read()
        return self._entries

    def _read(self) -> dict[str, object]:
        signature = self.signature
        if signature is None:
            return {}
        path = os.path.join(self.folder or cache_folder(), NAME)
        data = read_bytes(path, MAX_TABLE_BYTES)[0]
        if data is None:
            return {}
        try:
            document = json.loads(data)
        except (ValueError, RecursionError):
            return {}
        if (
            not isinstance(document, dict)
            or document.get("version") != VERSION
            or document.get("library") != signature
            or not isinstance(document.get("rates"), dict)
        ):
            return {}
        rates: dict[str, object] = document["rates"]
        return rates


def _entry(item: object, today: str) -> Entry | None:
    if not isinstance(item, dict):
        return None
    until = item.get("until")
    if until is not None and (not isinstance(until, str) or today >= until):
        return None
    reason = item.get("unknown")
    if isinstance(reason, str):
        return None, reason[:MAX_REASON] or "not in genai-prices"
    values = item.get("rates")
    if not isinstance(values, list) or len(values) != KINDS:
        return None
    rates: list[Decimal | None] = []
    for value in values:
        if value is None:
            rates.append(None)
            continue
        if not isinstance(value, str) or len(value) > 60:
            return None
        try:
            rate = Decimal(value)
        except InvalidOperation:
            return None
        if not rate.is_finite() or not 0 <= rate <= MAX_RATE:
            return None
        rates.append(rate)
    if rates[-1] is None:  # the price per response is always a number
        return None
    return tuple(rates), None


def _today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


__all__ = ["RateTable", "cache_folder", "library_signature"]
