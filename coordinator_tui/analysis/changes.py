"""What changed between two analyses that a watching person should be told.

Data only (the dashboard words it in ``tui/rows.py``): a duplicate that was not
there before, sessions that went stale while being watched, milestones that
were just completed. Sessions first seen in ``current`` are not "went stale":
opening the dashboard on an old directory should not shout about every session.
"""

from __future__ import annotations

from dataclasses import dataclass

from coordinator_tui.analysis.results import (
    Analysis,
    DuplicateGroup,
    Health,
    MilestoneSummary,
    MilestoneView,
    SessionView,
)


@dataclass(frozen=True, slots=True)
class Changes:
    """News since the previous analysis, each list in the current analysis's order."""

    new_duplicates: tuple[DuplicateGroup, ...] = ()
    went_stale: tuple[SessionView, ...] = ()
    completed: tuple[MilestoneView, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.new_duplicates or self.went_stale or self.completed)


def changes(previous: Analysis | None, current: Analysis) -> Changes:
    """The news from ``previous`` to ``current``; nothing on the very first analysis."""
    if previous is None:
        return Changes()
    was_stale = {view.key for view in previous.sessions if view.health is Health.STALE}
    known = {view.key for view in previous.sessions}
    return Changes(
        new_duplicates=new_duplicates({g.work_key for g in previous.duplicates}, current),
        went_stale=tuple(
            view
            for view in current.sessions
            if view.health is Health.STALE and view.key not in was_stale and view.key in known
        ),
        completed=completed_since(previous.milestones, current.milestones),
    )


def new_duplicates(before: set[str], current: Analysis) -> tuple[DuplicateGroup, ...]:
    """The duplicate groups of ``current`` whose work was no group ``before``."""
    return tuple(group for group in current.duplicates if group.work_key not in before)


def completed_since(
    previous: MilestoneSummary, current: MilestoneSummary
) -> tuple[MilestoneView, ...]:
    done = {i.milestone.path for i in previous.items if i.milestone.status == "completed"}
    return tuple(
        item
        for item in current.items
        if item.milestone.status == "completed" and item.milestone.path not in done
    )
