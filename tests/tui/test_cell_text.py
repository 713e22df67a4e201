"""``cell_text``: one sanitising pass, then the cut (a second pass only after dropping
emoji variation selectors): the same text as sanitising again before every cut."""

from __future__ import annotations

import random

from coordinator_tui.render.sanitize import display
from coordinator_tui.tui.rows import cell_text


def _by_the_book(value: object, width: int | None) -> str:
    text = display(value)
    if "\ufe0f" in text:
        text = text.replace("\ufe0f", "")
    return display(text, width) if width is not None else text


def test_cell_text_equals_sanitising_twice_on_random_text() -> None:
    rng = random.Random(3)
    alphabet = ["a", "Z", " ", "  ", "\t", "\n", "\x1b[2J", "\x9b", "\ufe0f", "🏛", "\u2028", "é"]
    for _ in range(20_000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        width = rng.choice([None, 1, 3, 8, 60])
        assert cell_text(value, width) == _by_the_book(value, width), (value, width)
