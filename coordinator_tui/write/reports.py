"""Writing the sprint report: ``SPRINT_REPORT_<date>.md``, as the old coordinator named it.

The words come from ``render.report``; this module only decides where they go
and writes them atomically, so a second report the same day replaces the first
and a refused write leaves no partial file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from coordinator_tui.analysis import Analysis
from coordinator_tui.analysis.acting.act import Acting
from coordinator_tui.files.fsio import replace_file, replace_in
from coordinator_tui.render.report import render_report
from coordinator_tui.write.trend_log import Sample


def report_path(root: Path, analysis: Analysis) -> Path:
    return root / f"SPRINT_REPORT_{analysis.now:%Y-%m-%d}.md"


def write_report(
    root: Path,
    analysis: Analysis,
    history: Sequence[Sample] = (),
    path: Path | None = None,
    history_problem: str | None = None,
    acting: Acting | None = None,
) -> Path:
    """Render and write the report atomically; a second report the same day replaces it.

    ``history_problem`` (why the history could not be read) is said in the
    report's trends section instead of pretending there is no history.
    """
    text = render_report(analysis, history, history_problem=history_problem, acting=acting)
    if path is not None:
        return Path(replace_file(path.parent, path.name, text.encode("utf-8")))  # as asked
    return replace_in(root, report_path(root, analysis).name, text.encode("utf-8"))
