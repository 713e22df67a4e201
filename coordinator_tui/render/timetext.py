"""Human wording for times, ages and counts, shared by every face of the product."""

from __future__ import annotations

from datetime import timedelta

import humanize


def age_text(seconds: float | None) -> str:
    """``3 minutes ago`` style; ``never`` when unknown, ``in the future`` when negative."""
    if seconds is None:
        return "never"
    if seconds < -60:
        return "in the future"
    if seconds < 1:
        return "just now"
    return humanize.naturaltime(timedelta(seconds=seconds))


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
