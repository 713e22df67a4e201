"""The screen's plain helpers alone: how the height is shared, and that the per-collective
state, the scheduler and the wording never import Textual (tested with plain values)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from coordinator_tui.tui.layout import PANEL_MIN, TABLE_MIN, share_height

TEXTUAL_FREE = (
    "coordinator_tui.tui.collective",
    "coordinator_tui.tui.scheduler",
    "coordinator_tui.tui.layout",
    "coordinator_tui.tui.tmux_jump",
    "coordinator_tui.tui.decisions",
    "coordinator_tui.tui.panels",
    "coordinator_tui.tui.table_view",
)


@pytest.mark.parametrize("module", TEXTUAL_FREE)
def test_the_helpers_never_import_textual(module: str) -> None:
    code = f"import sys, {module}; print('textual' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_a_short_table_leaves_the_rest_to_the_panels() -> None:
    """The demo at 160×50: ten rows and a dozen alerts; nothing is cut, and what is left
    goes to the alerts, not to empty table lines."""
    heights = share_height(46, table=13, side=14, bottom=10)
    assert heights.table == 13
    assert heights.bottom == 10
    assert heights.side == 46 - 13 - 10
    assert sum(heights) == 46


def test_a_long_table_takes_at_most_half_while_the_panels_want_the_rest() -> None:
    heights = share_height(46, table=10_003, side=30, bottom=30)
    assert heights == (23, 12, 11)
    # Panels that want little leave the table the rest.
    assert share_height(46, table=10_003, side=5, bottom=5) == (36, 5, 5)


def test_the_panels_split_what_they_both_want_and_give_back_what_one_leaves() -> None:
    assert share_height(40, table=6, side=40, bottom=8) == (6, 26, 8)
    assert share_height(40, table=6, side=5, bottom=40) == (6, 5, 29)


def test_every_box_keeps_its_minimum_on_a_small_screen() -> None:
    heights = share_height(10, table=100, side=100, bottom=100)
    assert heights.table >= TABLE_MIN and min(heights.side, heights.bottom) >= PANEL_MIN
