"""A budget crossed, told to whoever is spending: the words of those messages.

When ``run`` raises a budget incident (``analysis.acting.escalate``), besides the bell,
the notification and the webhook every incident gets, the sessions still spending are
told once, in a message they read at their next prompt or tool call (the hooks put it
in their context): a session over its own budget, the live owner of a milestone over
its budget, and everyone (a broadcast) when the collective's day is over budget.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from coordinator_tui.analysis.acting.escalate import EscalationEvent
from coordinator_tui.analysis.costs import BudgetCheck, Costs
from coordinator_tui.analysis.results import Analysis
from coordinator_tui.render.log_lines import LogLine
from coordinator_tui.render.sanitize import display
from coordinator_tui.write.messages import BROADCAST


class Notice(NamedTuple):
    to: str
    subject: str
    body: str


def budget_notices(
    events: Iterable[EscalationEvent], analysis: Analysis, costs: Costs
) -> list[Notice]:
    """One message per budget incident just raised, to the sessions it concerns."""
    live = {view.id for view in analysis.sessions if view.health.live}
    owners = {
        item.milestone.milestone_id: item.milestone.owner for item in analysis.milestones.items
    }
    checks = {f"budget-{check.scope}:{check.subject}": check for check in costs.budgets}
    notices = []
    for event in events:
        check = checks.get(event.incident_id)
        if event.action != "raised" or check is None:
            continue
        spent = f"${check.spent:.2f} of ${check.limit:.2f} ({check.share:.0%})"
        advice = "Finish or hand over what you are doing, and ask a human before spending more."
        if check.scope == "session" and check.subject in live:
            notices.append(
                Notice(
                    check.subject,
                    "Over your budget",
                    f"This session has spent {spent} of its budget. {advice}",
                )
            )
        elif check.scope == "milestone":
            owner = owners.get(check.subject)
            if owner in live:
                notices.append(
                    Notice(
                        str(owner),
                        f"Milestone {check.subject} is over its budget",
                        f"Milestone {check.subject} has cost {spent} of its budget. {advice}",
                    )
                )
        elif check.scope == "collective-day" and live:
            notices.append(
                Notice(
                    BROADCAST,
                    "The collective is over today's budget",
                    f"Today ({check.subject}, UTC) the collective has spent {spent} of its "
                    f"daily budget. {advice}",
                )
            )
    return notices


def budget_line(costs: Costs) -> LogLine | None:
    """The budgets at or past 80 %, in one line (None: none); ``run`` says it when the
    set changes, not every cycle."""
    if not costs.budgets:
        return None
    parts = [_words(check) for check in costs.budgets]
    level = "warn"
    data = {
        "budgets": [
            {"scope": check.scope, "subject": check.subject, "level": check.level}
            for check in costs.budgets
        ]
    }
    return LogLine("budget", level, "budgets: " + "; ".join(parts), data)


def _words(check: BudgetCheck) -> str:
    least = "" if check.complete else "at least "
    return (
        f"{check.scope} {display(check.subject, 60)} {least}${check.spent:.2f} of "
        f"${check.limit:.2f} ({check.share:.0%}, {check.level})"
    )
