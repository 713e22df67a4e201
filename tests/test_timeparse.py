from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from coordinator_tui.files.timeparse import format_utc, parse_timestamp

UTC = timezone.utc


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-11-15T19:30:28Z", datetime(2025, 11, 15, 19, 30, 28, tzinfo=UTC)),
        ("2025-11-15T21:30:28+02:00", datetime(2025, 11, 15, 19, 30, 28, tzinfo=UTC)),
        ("2025-11-14 23:57:57 UTC", datetime(2025, 11, 14, 23, 57, 57, tzinfo=UTC)),
        ("2025-11-15T19:30:28", datetime(2025, 11, 15, 19, 30, 28, tzinfo=UTC)),  # naive = UTC
        ("2025-11-15T19:30:28.250Z", datetime(2025, 11, 15, 19, 30, 28, 250000, tzinfo=UTC)),
        (1763234880, datetime(2025, 11, 15, 19, 28, 0, tzinfo=UTC)),
        (1763234880.5, datetime(2025, 11, 15, 19, 28, 0, 500000, tzinfo=UTC)),
        ("1763234880.5", datetime(2025, 11, 15, 19, 28, 0, 500000, tzinfo=UTC)),
        (1763234880500, datetime(2025, 11, 15, 19, 28, 0, 500000, tzinfo=UTC)),  # milliseconds
        ("1763234880500", datetime(2025, 11, 15, 19, 28, 0, 500000, tzinfo=UTC)),
    ],
)
def test_every_form_seen_in_the_wild(value: object, expected: datetime) -> None:
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "yesterday",
        "2025-13-45T00:00:00Z",
        None,
        True,
        [],
        {},
        float("nan"),
        float("inf"),
        "x" * 500,
        "2025-11-15T19:30:28+02:00 UTC",
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
    ],
)
def test_garbage_is_unknown_not_an_exception(value: object) -> None:
    assert parse_timestamp(value) is None


def test_format_utc_writes_z() -> None:
    moment = datetime(2025, 11, 15, 21, 30, 28, tzinfo=timezone.utc)
    assert format_utc(moment) == "2025-11-15T21:30:28Z"


def _slow_format(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_fast_paths_agree_with_the_general_ones_on_random_text() -> None:
    """``parse_timestamp`` takes ``…T…Z`` of 20 characters by a quicker road, and
    ``format_utc`` formats UTC with ``isoformat``: both must give what the general
    parsing (``_parse_any``) and ``strftime`` give, on canonical stamps and on
    20-character near misses alike."""
    import random

    from coordinator_tui.files.timeparse import _parse_any

    rng = random.Random(7)
    alphabet = "0123456789-:T Z+.zU"
    base = datetime(2025, 11, 15, 19, 30, 28, tzinfo=UTC)
    samples = []
    for _ in range(20_000):
        moment = datetime.fromtimestamp(rng.uniform(-6e10, 2.5e11), tz=UTC)
        stamp = format_utc(moment)
        assert stamp == _slow_format(moment)
        samples.append(stamp)
        chars = list(stamp)
        for _ in range(rng.randint(1, 3)):
            chars[rng.randrange(len(chars) - 1)] = rng.choice(alphabet)
        samples.append("".join(chars))
    samples += ["2025-11-15T19+01:00Z", " 2025-11-15T19:30:2Z", "2025-11-15T19:30:28Z"]
    for sample in samples:
        assert parse_timestamp(sample) == _parse_any(sample), sample
    shifted = base.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert format_utc(shifted) == _slow_format(shifted) == "2025-11-15T19:30:28Z"
