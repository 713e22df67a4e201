"""The usage follower's state, written through the guarded writer (``.coordinator/usage/``).

``coordinator_tui.usage`` reads transcripts and keeps offsets and totals but does not
write (it sits below ``write/``): its owners hand it ``saver(root)``. ``usage_once`` is
the one look a one-shot command (``status``, ``report``) takes; ``write_summary`` keeps
``.coordinator/usage/summary.json`` for ``status --line`` (which must not price: it
imports the standard library only), written by every look that priced the usage:
``run`` each cycle, ``status`` and the report (``keep_summary``), and the dashboard
while no ``run`` holds the lock (``tui.costs.CostWriter``).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from coordinator_tui.files.fsio import replace_in
from coordinator_tui.files.layout import PRIVATE_FOLDER
from coordinator_tui.files.timeparse import format_utc
from coordinator_tui.usage.follower import read_usage
from coordinator_tui.usage.tokens import UsageSnapshot

if TYPE_CHECKING:
    from coordinator_tui.analysis import Analysis
    from coordinator_tui.analysis.costs import Costs

SUMMARY = "usage/summary.json"
"""Below ``.coordinator/``: what ``status --line`` shows."""


def saver(root: Path) -> Callable[[str, bytes], None]:
    """Writes a file below the root atomically, never through a link, without fsync.

    A usage state is a cache of what the transcripts say: lost to a power cut, it costs
    one read again. ``replace_in``'s fsyncs cost 10 ms a file, most of a one-shot
    ``status`` on 100 sessions whose transcripts moved (``bench_usage``)."""

    def save(relative: str, data: bytes) -> None:
        replace_in(Path(root), relative, data, durable=False)

    return save


def usage_once(root: Path, analysis: Analysis) -> UsageSnapshot:
    """The sessions' usage for a one-shot command: saved states resumed, what was read
    whole saved again for the next run."""
    sessions = (view.session for view in analysis.sessions)
    return read_usage(root, sessions, save=saver(root) if analysis.exists else None)


def summary_bytes(costs: Costs, now_iso: str) -> bytes:
    document = {
        "version": 1,
        "at": now_iso,
        "day": costs.day,
        "today_usd": round(float(costs.today.usd), 4),
        "last_hour_usd": round(float(costs.last_hour.usd), 4),
        "priced": costs.today.priced,
        "complete": costs.complete,
        "over_budget": sum(1 for check in costs.budgets if check.level == "over"),
    }
    return (json.dumps(document) + "\n").encode("utf-8")


def write_summary(root: Path, costs: Costs, now_iso: str) -> None:
    """``OSError`` when the directory refuses."""
    replace_in(
        Path(root), f"{PRIVATE_FOLDER}/{SUMMARY}", summary_bytes(costs, now_iso), durable=False
    )


def keep_summary(root: Path, analysis: Analysis, costs: Costs) -> None:
    """The summary after a one-shot look (``status``, the report), so ``status --line``
    shows the spend whoever looked last. Not where nothing was priced or the directory
    does not exist; a directory that refuses the write (read-only to this user) is left
    as it is: the look itself did not ask to write, as with the usage states."""
    if not costs.sessions or not analysis.exists:
        return
    with contextlib.suppress(OSError):
        write_summary(root, costs, format_utc(analysis.now))
