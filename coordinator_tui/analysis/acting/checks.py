"""``status --check``: one exit code that says every problem at once, for scripts.

The code is the sum of one flag per kind of problem found, each a multiple of
4 so the sum never collides with 1 (error) or 2 (bad command line):

====  =====================================
0     nothing wrong
4     duplicate work (two live sessions on one work)
8     a claim conflict (a session works on what another one claimed)
16    a session waits for a human
32    a stale session (no heartbeat for ``stale_after_s``)
====  =====================================

For example 36 = duplicate work and a stale session. Test a flag with
``(( code & 4 ))`` in a shell.
"""

from __future__ import annotations

from dataclasses import dataclass

from coordinator_tui.analysis.results import Analysis, Health
from coordinator_tui.analysis.waiting import is_waiting

CHECK_OK = 0
CHECK_DUPLICATE = 4
CHECK_CONFLICT = 8
CHECK_WAITING = 16
CHECK_STALE = 32
CHECK_FLAGS = {
    CHECK_DUPLICATE: "duplicate",
    CHECK_CONFLICT: "conflict",
    CHECK_WAITING: "waiting",
    CHECK_STALE: "stale",
}
"""Each flag and its name, in order."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    code: int
    """The exit code: the sum of the flags of ``problems``."""
    problems: tuple[str, ...]
    """Flag names found (``duplicate``, ``conflict``, ``waiting``, ``stale``), in flag order."""
    reasons: tuple[str, ...]
    """One line per problem, for stderr."""


def check(analysis: Analysis) -> CheckResult:
    """The exit code and reasons for the directory at ``analysis.now``."""
    found: dict[int, str] = {}
    if analysis.duplicates:
        groups = analysis.duplicates
        first = groups[0]
        found[CHECK_DUPLICATE] = (
            f"{len(groups)} duplicate work group(s), e.g. {first.work!r}: "
            + ", ".join(first.sessions)
        )
    if analysis.conflicts:
        first_conflict = analysis.conflicts[0]
        found[CHECK_CONFLICT] = (
            f"{len(analysis.conflicts)} claim conflict(s), e.g. {first_conflict.session} works "
            f"on {first_conflict.claim} claimed by {first_conflict.claimed_by}"
        )
    waiting = sorted({view.id for view in analysis.sessions if is_waiting(view)})
    if waiting:
        found[CHECK_WAITING] = f"{len(waiting)} session(s) waiting for input: " + ", ".join(
            waiting[:5]
        )
    stale = sorted(
        {
            view.id
            for view in analysis.sessions
            if view.health is Health.STALE and not is_waiting(view)
        }
    )
    if stale:
        found[CHECK_STALE] = f"{len(stale)} stale session(s): " + ", ".join(stale[:5])
    flags = [flag for flag in CHECK_FLAGS if flag in found]
    return CheckResult(
        code=sum(flags),
        problems=tuple(CHECK_FLAGS[flag] for flag in flags),
        reasons=tuple(found[flag] for flag in flags),
    )
