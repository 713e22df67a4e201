"""``status``'s spend: a line for the collective, a table of sessions, budgets near or over.

Rich renderables from plain ``Text`` (never markup); the words come from
``render.costs_text``, as the report's and the dashboard's do.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from coordinator_tui.analysis.costs import Costs
from coordinator_tui.render.costs_text import (
    budget_text,
    milestone_text,
    spend_text,
    tokens_text,
)
from coordinator_tui.render.sanitize import display

SESSION_LINES = 20
"""Sessions listed by spend; the rest are counted (``status --json`` has them all)."""


def render_costs(costs: Costs) -> Group | None:
    """The spend part of ``status``; None when no transcript was read."""
    if not costs.sessions:
        return None
    least = "" if costs.complete else " (at least: some transcripts read by their end only)"
    head = Text(
        f"Spend: {spend_text(costs.total) or '$0.00'} in all · today ({costs.day} UTC) "
        f"{spend_text(costs.today) or '$0.00'} · last hour {spend_text(costs.last_hour) or '$0.00'}"
        + least,
        style="bold",
    )
    table = Table(title="Spend by session", title_justify="left")
    for column in ("session", "agent", "spent", "today", "last hour", "tokens"):
        table.add_column(column, no_wrap=True, overflow="ellipsis")
    ordered = sorted(
        costs.sessions.values(), key=lambda cost: (-cost.spend.usd, -cost.spend.tokens.total)
    )
    for cost in ordered[:SESSION_LINES]:
        table.add_row(
            Text(display(cost.session, 40)),
            Text(display(cost.agent, 10)),
            Text(spend_text(cost.spend, cost.complete)),
            Text(spend_text(cost.today, cost.complete)),
            Text(spend_text(cost.last_hour)),
            Text(tokens_text(cost.spend.tokens)),
        )
    parts: list[Text | Table] = [head, table]
    if len(ordered) > SESSION_LINES:
        parts.append(Text(f"… and {len(ordered) - SESSION_LINES} more sessions", style="dim"))
    for check in costs.budgets:
        style = "bold red" if check.level == "over" else "yellow"
        parts.append(Text("budget: " + budget_text(check), style=style))
    for milestone in costs.milestones[:SESSION_LINES]:
        line = f"milestone {display(milestone.milestone_id, 60)}: {milestone_text(milestone)}"
        parts.append(Text(line))
    if not costs.unattributed.empty:
        parts.append(Text(f"not attributed to a milestone: {spend_text(costs.unattributed)}"))
    return Group(*parts)
