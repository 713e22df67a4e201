"""Comparing what sessions say they work on.

``current_work`` is sometimes a task key (``consciousness-loop-build``) and
sometimes a 280-character summary; near-duplicates such as
``multi-session monitoring`` / ``multi-session orchestration`` are common.
Equality is decided on a normalised key; similarity on word sets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_SEPARATORS = re.compile(r"[\s_\-]+")
_PUNCTUATION = re.compile(r"[^\w\s]+")
_WORD = re.compile(r"[^\W_]+")
# Words too common to say two pieces of work are alike.
STOP_WORDS = frozenset(
    (
        "a an and the of to for in on at with by from into via is are be it its this that "
        "work working task tasks"
    ).split()
)


def normalise_work(text: str | None) -> str:
    """Case, ``-``/``_``/spaces and punctuation folded: the key for equal work."""
    if not text:
        return ""
    lowered = _PUNCTUATION.sub(" ", text.lower())
    return " ".join(_SEPARATORS.split(lowered)).strip()


def work_words(text: str | None) -> frozenset[str]:
    """The distinctive words of a work description (stop words removed)."""
    if not text:
        return frozenset()
    return frozenset(word for word in _WORD.findall(text.lower()) if word not in STOP_WORDS)


def similarity(first: frozenset[str], second: frozenset[str]) -> float:
    """Dice coefficient of two word sets, 0–1."""
    if not first or not second:
        return 0.0
    return 2 * len(first & second) / (len(first) + len(second))


def is_placeholder(text: str | None, placeholders: Iterable[str]) -> bool:
    """True when ``current_work`` means no work at all."""
    key = normalise_work(text)
    if not key:
        return True
    return key in {normalise_work(item) for item in placeholders}


def names_match(name_words: frozenset[str], work: frozenset[str]) -> bool:
    """A named piece of work (claim, priority) is what ``work`` is about."""
    return bool(name_words) and name_words <= work
