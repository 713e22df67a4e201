"""Human wording for times, ages and counts, shared by every face of the product."""

from __future__ import annotations

from datetime import timedelta

import humanize

JUST_NOW_S = 60.0
"""Ages under this are "just now" everywhere (status, report, dashboard, log): one rule,
never "just now" beside "42 seconds ago". Ages are read at minute resolution."""


def age_text(seconds: float | None) -> str:
    """``3 minutes ago`` style; ``just now`` under a minute; ``never`` when unknown,
    ``in the future`` when more than a minute ahead (clock skew is "just now")."""
    if seconds is None:
        return "never"
    if seconds < -60:
        return "in the future"
    if seconds < JUST_NOW_S:
        return "just now"
    delta = timedelta(seconds=seconds)
    key = _wording_key(delta)
    text = _AGES.get(key)
    if text is None:
        if len(_AGES) > 4096:
            _AGES.clear()
        text = _AGES[key] = humanize.naturaltime(delta)
    return text


_AGES: dict[tuple[int, int], str] = {}
"""humanize's wording by ``_wording_key``: a table of 10,000 ages asks humanize once per
distinct wording instead of once per row."""


def _wording_key(delta: timedelta) -> tuple[int, int]:
    """What humanize's wording of a past ``delta`` depends on, and nothing else: the
    rounded minutes under an hour, the rounded hours under a day, else the days (its
    ``naturaldelta``; a test compares the two second by second)."""
    if delta.days == 0:
        seconds = delta.seconds
        return (0, round(seconds / 60)) if seconds < 3600 else (1, round(seconds / 3600))
    return (2, delta.days)


def short_age(seconds: float | None) -> str:
    """Compact ``42s``/``5m``/``3h``/``12d`` for narrow columns."""
    if seconds is None:
        return "—"
    if seconds < 0:
        return "future"
    if seconds < 60:
        return f"{int(seconds)}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"


def count_of(count: int, word: str, plural: str | None = None) -> str:
    """``1 session``, ``2 sessions`` (``plural`` when adding an s is wrong)."""
    return f"{count} {word if count == 1 else (plural or word + 's')}"
