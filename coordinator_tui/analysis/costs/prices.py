"""What tokens cost: genai-prices' bundled data, or the config's prices, never a guess.

genai-prices is imported only for a model and size band the user's rate table
(``usage.rate_table``) does not hold yet for the installed data (the import costs
~0.5 s: pydantic, httpx and its data), and only its bundled data is used: no
``UpdatePrices``, so nothing is fetched at run time. A model it does not know, and a kind of token a
config price does not name, is "price unknown": tokens are shown, never a price
made up. Claude Code's own ``costUSD`` guesses for models it does not know and is
not read.

Each response is priced on its own: spend is kept per size band of the whole input
(``usage.tokens.EDGES``), and a band's rates are genai-prices' for a response of that
size, so a tier above 200k input tokens applies exactly where the provider applies
it. genai-prices' ``input_tokens`` is the *whole* input (cache reads and writes
included) where Anthropic's excludes them: the rates are read by pricing probe
responses of each kind with the whole input set accordingly (``_library_rates``),
and a test holds ``price`` equal to genai-prices' own ``calc_price`` response by
response.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from coordinator_tui.usage.rate_table import RateTable
from coordinator_tui.usage.tokens import EDGES, Tokens, band_floor

PER_MILLION = Decimal(1_000_000)
_KINDS = ("input", "cache_write", "cache_write_1h", "cache_read", "output")


@dataclass(frozen=True, slots=True)
class Rates:
    """USD per token of each kind (None: this kind has no price), plus per response."""

    input: Decimal | None
    cache_write: Decimal | None
    cache_write_1h: Decimal | None
    cache_read: Decimal | None
    output: Decimal | None
    request: Decimal
    source: str
    """``genai-prices`` or ``config``."""

    def cost(self, tokens: Tokens) -> Decimal | None:
        """What ``tokens`` cost at these rates; None when a kind they hold has no price."""
        five_minute = tokens.cache_write - tokens.cache_write_1h
        parts = (
            (self.input, tokens.input),
            (self.cache_write, five_minute),
            (self.cache_write_1h, tokens.cache_write_1h),
            (self.cache_read, tokens.cache_read),
            (self.output, tokens.output),
        )
        total = self.request * tokens.responses
        for rate, amount in parts:
            if amount:
                if rate is None:
                    return None
                total += rate * amount
        return total


@dataclass(frozen=True, slots=True)
class Unknown:
    """Why a model has no price."""

    model: str
    reason: str


class Pricer:
    """Rates per (model, size band), from the config's prices first, then genai-prices.

    Cached: the probes cost ~2 ms a model and band, a response then a few
    multiplications; what genai-prices said is kept in ``table`` (the user's rate table:
    the next process needs no import). Used from one thread at a time (each view owns
    one)."""

    def __init__(
        self,
        overrides: Mapping[str, Mapping[str, float]] | None = None,
        library: bool = True,
        table: RateTable | None = None,
    ) -> None:
        self.overrides = {model.lower(): dict(kinds) for model, kinds in (overrides or {}).items()}
        self.library = library
        self.table = table if table is not None else RateTable()
        self._rates: dict[tuple[str, int], Rates | Unknown] = {}

    @classmethod
    def from_settings(cls, prices: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]) -> Pricer:
        return cls({model: dict(kinds) for model, kinds in prices})

    def rates(self, model: str, band: int) -> Rates | Unknown:
        key = (model, band)
        known = self._rates.get(key)
        if known is None:
            known = self._rates[key] = self._find(model, band)
        return known

    def cost(self, model: str, band: int, tokens: Tokens) -> Decimal | None:
        """USD for ``tokens`` of ``model`` in ``band``; None when unknown."""
        rates = self.rates(model, band)
        return rates.cost(tokens) if isinstance(rates, Rates) else None

    def why_unknown(self, model: str, band: int = 0) -> str | None:
        rates = self.rates(model, band)
        return rates.reason if isinstance(rates, Unknown) else None

    def _find(self, model: str, band: int) -> Rates | Unknown:
        override = self.overrides.get(model.lower())
        if override is not None:
            return _config_rates(override)
        if not self.library:
            return Unknown(model, "no price in the config")
        return self._library_rates(model, band)

    def _library_rates(self, model: str, band: int) -> Rates | Unknown:
        kept = self.table.get(model, band)
        if kept is not None:
            rates, reason = kept
            if rates is None:
                return Unknown(model, reason or "not in genai-prices")
            return _rates_of(rates)
        found, keep, until = self._probe(model, band)
        if keep:
            if isinstance(found, Rates):
                self.table.put(model, band, _values(found), None, until)
            else:
                self.table.put(model, band, None, found.reason, until)
        return found

    def _probe(self, model: str, band: int) -> tuple[Rates | Unknown, bool, str | None]:
        """genai-prices' rates; whether they may be kept, and until which UTC day."""
        try:
            from genai_prices import Usage, calc_price
        except ImportError as error:  # pragma: no cover - it is a dependency
            return Unknown(model, f"genai-prices is not installed ({error})"), False, None

        whole = max(band_floor(band), 1)

        def price(**counts: int) -> Decimal:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # an older genai-prices without a kind warns
                result = calc_price(Usage(**counts), model)
            return Decimal(result.total_price)

        try:
            first = calc_price(Usage(input_tokens=whole), model)
        except LookupError:
            return Unknown(model, "not in genai-prices"), True, None
        except (ValueError, TypeError) as error:
            return Unknown(model, f"genai-prices cannot price it ({error})"), False, None
        keep, until = _kept_until(getattr(first, "model", None))
        untracked = _untracked_tiers(first.model_price)
        if untracked:
            why = f"tiered at {untracked} input tokens, which is not tracked"
            return Unknown(model, why), keep, until
        request = price()
        each = Decimal(whole)
        input_rate = (Decimal(first.total_price) - request) / each

        def rate(**extra: int) -> Decimal:
            return (price(input_tokens=whole, **extra) - request) / each

        try:
            hour = rate(cache_write_tokens=whole, cache_write_1h_tokens=whole)
        except (TypeError, ValueError):
            hour = rate(cache_write_tokens=whole)
        rates = Rates(
            input=input_rate,
            cache_write=rate(cache_write_tokens=whole),
            cache_write_1h=hour,
            cache_read=rate(cache_read_tokens=whole),
            output=rate(output_tokens=whole) - input_rate,
            request=request,
            source="genai-prices",
        )
        return rates, keep, until


def _rates_of(values: tuple[Decimal | None, ...]) -> Rates:
    input_rate, cache_write, cache_write_1h, cache_read, output, request = values
    return Rates(
        input_rate,
        cache_write,
        cache_write_1h,
        cache_read,
        output,
        request or Decimal(0),
        source="genai-prices",
    )


def _values(rates: Rates) -> tuple[Decimal | None, ...]:
    return (
        rates.input,
        rates.cache_write,
        rates.cache_write_1h,
        rates.cache_read,
        rates.output,
        rates.request,
    )


def _kept_until(model_info: Any) -> tuple[bool, str | None]:
    """Whether a model's rates may be kept in the rate table, and until which UTC day: a
    price that starts on a later date is kept until that date; one that depends on the
    time of day (an off-peak price), or on anything else, is never kept."""
    prices = getattr(model_info, "prices", None)
    if not isinstance(prices, list):
        return True, None
    today = datetime.now(timezone.utc).date()
    until: date | None = None
    for conditional in prices:
        constraint = getattr(conditional, "constraint", None)
        if constraint is None:
            continue
        start = getattr(constraint, "start_date", None)
        if not isinstance(start, date):
            return False, None
        if start > today and (until is None or start < until):
            until = start
    return True, None if until is None else until.isoformat()


def _untracked_tiers(model_price: Any) -> int | None:
    """A tier start of this model's prices that the size bands do not separate."""
    for value in vars(model_price).values():
        for tier in getattr(value, "tiers", ()) or ():
            start = getattr(tier, "start", None)
            if isinstance(start, int) and start not in EDGES:
                return start
    return None


def _config_rates(kinds: Mapping[str, float]) -> Rates:
    def per_token(kind: str) -> Decimal | None:
        value = kinds.get(kind)
        return None if value is None else Decimal(str(value)) / PER_MILLION

    return Rates(
        input=per_token("input"),
        cache_write=per_token("cache_write"),
        cache_write_1h=per_token("cache_write_1h"),
        cache_read=per_token("cache_read"),
        output=per_token("output"),
        request=Decimal(0),
        source="config",
    )


__all__ = ["Pricer", "Rates", "Unknown"]
