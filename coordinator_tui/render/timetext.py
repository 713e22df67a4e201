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
