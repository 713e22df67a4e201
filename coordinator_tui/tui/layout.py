"""How the wide dashboard shares its height: the table takes what its rows need (up to a
share), the panels below take what theirs need of the rest; what is left goes to the
table while it has rows to show, then to the alerts.

A fixed split left a 10-row table with twenty empty lines while the alerts beside it
were cut to "… and 3 more". Each height counts a box's borders.
"""

from __future__ import annotations

from typing import NamedTuple

TABLE_SHARE = 0.5
"""The table takes at most this share of the height while the panels want the rest."""
TABLE_MIN = 6
"""Borders, the header and three rows."""
PANEL_MIN = 3
"""Borders and one line."""


class Heights(NamedTuple):
    table: int
    side: int
    """The alerts and the priority queue."""
    bottom: int
    """The milestones and the broadcasts."""


def share_height(height: int, table: int, side: int, bottom: int) -> Heights:
    """Lines for each box, out of ``height``, given the lines each would fill."""
    first = min(max(table, TABLE_MIN), max(TABLE_MIN, int(height * TABLE_SHARE)))
    budget = max(0, height - first)
    side_lines = min(side, max(budget - bottom, (budget + 1) // 2))  # the alerts first
    bottom_lines = min(bottom, budget - side_lines)
    side_lines = min(side, budget - bottom_lines)  # what the bottom left unused
    side_lines, bottom_lines = max(side_lines, PANEL_MIN), max(bottom_lines, PANEL_MIN)
    table_lines = max(TABLE_MIN, min(table, height - side_lines - bottom_lines))
    side_lines = max(side_lines, height - table_lines - bottom_lines)
    return Heights(table_lines, side_lines, bottom_lines)
