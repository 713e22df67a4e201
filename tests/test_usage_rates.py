"""The user's rate table: genai-prices is imported once per model and band, the prices
read back are its own to the last digit, and a table that is not ours is not believed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from coordinator_tui.analysis.costs.prices import Pricer, Rates, Unknown, _kept_until
from coordinator_tui.usage.rate_table import NAME, RateTable, cache_folder, library_signature
from coordinator_tui.usage.tokens import Tokens, band_of

TOKENS = Tokens(input=2005, cache_write=1000, cache_read=15000, output=105, cache_write_1h=400)
MODELS = ("claude-sonnet-4-5", "gpt-5", "gemini-2.5-pro", "our-own-model")

PRICE_IN_A_FRESH_PROCESS = """
import sys
from coordinator_tui.analysis.costs.prices import Pricer
from coordinator_tui.usage.tokens import Tokens, band_of
tokens = Tokens(*map(int, sys.argv[2].split(",")))
print(Pricer().cost(sys.argv[1], band_of(tokens.whole_input), tokens))
print("genai_prices" in sys.modules)
"""


def price_elsewhere(model: str, tokens: Tokens, cache: Path) -> tuple[str, bool]:
    environment = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", PRICE_IN_A_FRESH_PROCESS, model, ",".join(map(str, tokens))],
        capture_output=True,
        text=True,
        env=environment,
        check=True,
    )
    price, imported = done.stdout.split()
    return price, imported == "True"


def test_a_second_process_prices_from_the_table_without_importing_the_library(
    tmp_path: Path,
) -> None:
    first, imported = price_elsewhere("claude-sonnet-4-5", TOKENS, tmp_path)
    assert imported
    again, imported_again = price_elsewhere("claude-sonnet-4-5", TOKENS, tmp_path)
    assert not imported_again
    assert again == first
    by_hand = (
        Decimal(2005) * 3
        + Decimal(600) * Decimal("3.75")
        + Decimal(400) * 6
        + 15000 * Decimal("0.3")
        + 105 * 15
    ) / 1_000_000
    assert Decimal(again) == by_hand
    # A model genai-prices does not know is remembered as unknown, too.
    assert price_elsewhere("our-own-model", TOKENS, tmp_path) == ("None", True)
    assert price_elsewhere("our-own-model", TOKENS, tmp_path) == ("None", False)


@pytest.mark.parametrize("model", MODELS)
def test_rates_read_back_are_the_ones_computed(model: str, tmp_path: Path) -> None:
    computed = Pricer(table=RateTable(str(tmp_path)))
    for band in (0, band_of(210_000), band_of(300_000)):
        fresh = computed.rates(model, band)
        read_back = Pricer(table=RateTable(str(tmp_path)))  # reads the file afresh
        kept = read_back.table.get(model, band)
        assert kept is not None
        assert read_back.rates(model, band) == fresh
        if isinstance(fresh, Rates):
            assert read_back.cost(model, band, TOKENS) == computed.cost(model, band, TOKENS)
        else:
            assert isinstance(fresh, Unknown) and kept == (None, fresh.reason)


def write_table(folder: Path, rates: dict[str, object], library: str | None = None) -> None:
    document = {"version": 1, "library": library or library_signature(), "rates": rates}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / NAME).write_text(json.dumps(document))


@pytest.mark.parametrize(
    "entry",
    [
        {"rates": ["-1", "0", "0", "0", "0", "0"]},  # negative
        {"rates": ["NaN", "0", "0", "0", "0", "0"]},
        {"rates": ["1e999999", "0", "0", "0", "0", "0"]},
        {"rates": ["0.000003", "0", "0", "0", "0"]},  # a kind missing
        {"rates": ["0.000003", "0", "0", "0", "0", None]},  # no price per response
        {"rates": [3, 0, 0, 0, 0, 0]},  # numbers, not decimal strings
        {"rates": ["0", "0", "0", "0", "0", "0"], "until": "2000-01-01"},  # expired
        {"rates": ["0", "0", "0", "0", "0", "0"], "until": 7},
        "free",
    ],
)
def test_a_forged_or_stale_entry_is_not_believed(entry: object, tmp_path: Path) -> None:
    write_table(tmp_path, {"0:claude-sonnet-4-5": entry})
    table = RateTable(str(tmp_path))
    assert table.get("claude-sonnet-4-5", 0) is None
    honest = Pricer(table=RateTable(str(tmp_path / "elsewhere")))
    pricer = Pricer(table=table)
    model = "claude-sonnet-4-5"
    assert pricer.cost(model, 0, TOKENS) == honest.cost(model, 0, TOKENS)


def test_a_table_of_another_copy_of_the_library_is_not_used(tmp_path: Path) -> None:
    free = {"rates": ["0", "0", "0", "0", "0", "0"], "until": None}
    write_table(tmp_path, {"0:claude-sonnet-4-5": free}, library="/elsewhere/data.py:1:2")
    assert RateTable(str(tmp_path)).get("claude-sonnet-4-5", 0) is None
    write_table(tmp_path, {"0:claude-sonnet-4-5": free})
    assert RateTable(str(tmp_path)).get("claude-sonnet-4-5", 0) is not None  # ours: believed


def test_the_table_lives_in_the_users_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere/cache")
    assert cache_folder() == "/somewhere/cache/coordinator-tui"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # ignored, as XDG says
    assert cache_folder() == os.path.join(os.path.expanduser("~"), ".cache", "coordinator-tui")


def test_an_unwritable_cache_is_no_error(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    pricer = Pricer(table=RateTable(str(blocked / "cache")))
    assert pricer.cost("claude-sonnet-4-5", 0, TOKENS) is not None


def test_only_prices_fixed_in_time_are_kept() -> None:
    today = datetime.now(timezone.utc).date()
    later = today + timedelta(days=30)

    def model(*constraints: object) -> SimpleNamespace:
        return SimpleNamespace(prices=[SimpleNamespace(constraint=c) for c in constraints])

    assert _kept_until(SimpleNamespace(prices=object())) == (True, None)  # one price
    past = SimpleNamespace(start_date=date(2024, 1, 1))
    assert _kept_until(model(None, past)) == (True, None)
    soon = SimpleNamespace(start_date=later)
    assert _kept_until(model(None, past, soon)) == (True, later.isoformat())
    off_peak = SimpleNamespace(start_time="16:30", end_time="00:30")
    assert _kept_until(model(None, off_peak)) == (False, None)
