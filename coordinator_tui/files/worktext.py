"""Comparing what sessions say they work on.

``current_work`` is sometimes a task key (``consciousness-loop-build``) and
sometimes a 280-character summary; near-duplicates such as
``multi-session monitoring`` / ``multi-session orchestration`` are common.
Equality is decided on a normalised key; similarity on word sets.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")
# Words too common to say two pieces of work are alike.
STOP_WORDS = frozenset(
    (
        "a an and the of to for in on at with by from into via is are be it its this that "
        "work working task tasks"
    ).split()
)


@lru_cache(maxsize=65536)
def normalise_work(text: str | None) -> str:
    """Case, ``-``/``_``/spaces and punctuation folded: the key for equal work."""
    if not text:
        return ""
    return " ".join(_WORD.findall(text.lower()))


@lru_cache(maxsize=65536)
def work_words(text: str | None) -> frozenset[str]:
    """The distinctive words of a work description (stop words removed)."""
    if not text:
        return frozenset()
    return frozenset(word for word in _WORD.findall(text.lower()) if word not in STOP_WORDS)


def names_match(name_words: frozenset[str], work: frozenset[str]) -> bool:
    """A named piece of work (claim, priority) is what ``work`` is about."""
    return bool(name_words) and name_words <= work


def similar_pairs(
    word_sets: list[frozenset[str]], threshold: float, max_partners: int | None = None
) -> list[tuple[int, int, float]]:
    """Every pair (i, j, score), i < j, whose Dice similarity is at least ``threshold``.

    ``max_partners`` bounds the work in a dense cluster (hundreds of works all
    alike): once a set has found that many partners among those visited before
    it, the rest of its candidates are not verified, so the result is then a
    subset and the caller must say so.

    An exact prefix-filtered similarity join (AllPairs/PPJoin): words are ordered
    rarest first and sets are visited smallest first; a pair can reach the
    threshold only if the probing prefix of one meets the (shorter) indexed prefix
    of the other, so common words such as a shared verb are rarely looked up.
    Near-linear on realistic work lists instead of comparing all pairs.
    """
    if threshold <= 0:
        raise ValueError("threshold must be above 0")
    jaccard = threshold / (2 - threshold)  # Dice ≥ t  ⇔  Jaccard ≥ t / (2 - t)
    index_share = 2 * jaccard / (1 + jaccard)
    epsilon = 1e-9
    ordered = _rarest_first(word_sets)
    as_sets = [frozenset(tokens) for tokens in ordered]
    visit = sorted(
        (i for i in range(len(word_sets)) if ordered[i]), key=lambda i: (len(ordered[i]), i)
    )
    index: dict[int, list[int]] = {}
    pairs: list[tuple[int, int, float]] = []
    floor = threshold - epsilon
    for current in visit:
        tokens = ordered[current]
        size = len(tokens)
        probe = size - math.ceil(jaccard * size - epsilon) + 1
        minimum_size = jaccard * size - epsilon
        candidates: set[int] = set()
        for token in tokens[:probe]:
            posting = index.get(token)
            if posting:
                candidates.update(posting)
        mine = as_sets[current]
        found = 0
        for other in candidates:
            if max_partners is not None and found >= max_partners:
                break
            other_size = len(ordered[other])
            if other_size < minimum_size:
                continue
            score = 2 * len(mine & as_sets[other]) / (size + other_size)
            if score >= floor:
                first, second = (current, other) if current < other else (other, current)
                pairs.append((first, second, score))
                found += 1
        indexed = size - math.ceil(index_share * size - epsilon) + 1
        for token in tokens[:indexed]:
            index.setdefault(token, []).append(current)
    return pairs


def _rarest_first(word_sets: list[frozenset[str]]) -> list[list[int]]:
    """Each set as sorted token numbers, the rarest word of all the sets numbered 0: the
    prefixes ``similar_pairs`` indexes are then made of rare words."""
    frequency: dict[str, int] = {}
    for words in word_sets:
        for word in words:
            frequency[word] = frequency.get(word, 0) + 1
    rank = {
        word: position
        for position, word in enumerate(sorted(frequency, key=lambda w: (frequency[w], w)))
    }
    return [sorted(rank[word] for word in words) for words in word_sets]
