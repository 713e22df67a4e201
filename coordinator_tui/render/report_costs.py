"""The report's spend: per session, per milestone (with what it will cost to finish), per
priority, and the budgets near or over. Words from ``render.costs_text``; every string
that came from a file goes through ``markdown.md``."""

from __future__ import annotations

from coordinator_tui.analysis.acting.act import Acting
from coordinator_tui.render.costs_text import (
    budget_text,
    money,
    spend_text,
    tokens_text,
)
from coordinator_tui.render.markdown import md, table

ROWS = 30


def spend(acting: Acting) -> str:
    costs = acting.costs
    if not costs.sessions:
        return (
            "## Spend\n\nNo transcript read: no session names an agent whose transcript "
            "this program reads (the hooks record it; see docs/costs.md)."
        )
    least = (
        ""
        if costs.complete
        else " Some transcripts are read only by their end so far: figures are at least these."
    )
    lines = [
        "## Spend",
        "",
        f"{spend_text(costs.total) or '$0.00'} in all, {spend_text(costs.today) or '$0.00'} "
        f"today ({costs.day} UTC), {spend_text(costs.last_hour) or '$0.00'} in the last "
        f"hour.{least}",
    ]
    if costs.budgets:
        lines += ["", *(f"- **budget**: {md(budget_text(check), 200)}" for check in costs.budgets)]
    ordered = sorted(
        costs.sessions.values(), key=lambda cost: (-cost.spend.usd, -cost.spend.tokens.total)
    )
    rows = [
        (
            md(cost.session, 60),
            md(cost.agent, 10),
            spend_text(cost.spend, cost.complete),
            ", ".join(md(model, 40) for model, _ in cost.by_model[:3]),
            tokens_text(cost.spend.tokens),
        )
        for cost in ordered[:ROWS]
    ]
    lines += [
        "",
        "### Per session",
        "",
        table(("session", "agent", "spent", "models", "tokens"), rows, len(ordered)),
    ]
    milestones = [
        (
            md(item.milestone_id, 60),
            md(item.priority or "", 10),
            spend_text(item.spend),
            money(item.rate_usd_h) + "/h" if item.rate_usd_h is not None else "—",
            money(item.to_finish_usd)
            if item.to_finish_usd is not None
            else md(item.to_finish_basis, 80),
        )
        for item in costs.milestones[:ROWS]
    ]
    lines += ["", "### Per milestone", ""]
    if milestones:
        lines.append(
            table(
                ("milestone", "priority", "spent", "rate", "to finish"),
                milestones,
                len(costs.milestones),
            )
        )
    else:
        lines.append("No spend could be tied to a milestone.")
    if not costs.unattributed.empty:
        lines += ["", f"Not tied to a milestone: {spend_text(costs.unattributed)}."]
    priorities = [
        (md(item.key, 60), spend_text(item.spend), ", ".join(md(s, 40) for s in item.sessions[:5]))
        for item in costs.priorities[:ROWS]
    ]
    lines += ["", "### Per priority", ""]
    if priorities:
        lines.append(table(("priority", "spent", "sessions"), priorities, len(costs.priorities)))
    else:
        lines.append("No spend could be tied to a priority in priorities.txt.")
    return "\n".join(lines)
