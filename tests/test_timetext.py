"""``age_text`` words ages as humanize does, from a cache keyed by what the wording
depends on (a table of 10,000 rows asks humanize once per distinct wording)."""

from __future__ import annotations

import random
from datetime import timedelta

import humanize

from coordinator_tui.render import timetext
from coordinator_tui.render.timetext import age_text


def test_the_cached_wording_is_humanizes_for_every_age() -> None:
    rng = random.Random(7)
    ages = [
        *range(60, 3 * 86400, 7),  # every wording boundary under three days, to 7 s
        *(second + 0.5 for second in range(60, 7300)),  # half seconds around the rounding
        *(second - 1e-7 for second in range(61, 3700)),  # just under whole seconds
        *(rng.uniform(60, 2e9) for _ in range(20000)),  # days, months, years
    ]
    timetext._AGES.clear()
    wrong = [age for age in ages if age_text(age) != humanize.naturaltime(timedelta(seconds=age))]
    assert wrong == []
    assert 0 < len(timetext._AGES) < len(ages) / 10  # it did cache


def test_the_words_of_our_own() -> None:
    assert age_text(None) == "never"
    assert age_text(-61) == "in the future"
    assert age_text(59.9) == "just now"
    assert age_text(90) == "2 minutes ago"  # humanize rounds


def test_one_lines_shortcut_for_clean_text_changes_nothing() -> None:
    """``one_line`` returns clean text as it is; every mix of controls, separators and
    spaces must come out as the full sanitising would make it."""
    from coordinator_tui.render import sanitize

    def slow(text: str) -> str:
        return " ".join(sanitize.strip_control(text).split())

    pieces = [" ", "a", "\t", "\n", "\x1b", "[", "\x7f", "\x85", "\xa0", "\u2028", "\u3000"]
    pieces += ["é", "\ud800", "\ufe0f", "\u200b", "\x0b", "1", "[@click=app.quit]"]
    rng = random.Random(3)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randrange(8))) for _ in range(50000)]
    assert [text for text in texts if sanitize.one_line(text) != slow(text)] == []
