"""The live analysis: ``analyse()`` kept up to date one changed file at a time."""

from __future__ import annotations

from coordinator_tui.analysis.live.engine import LiveAnalysis, Update

__all__ = ["LiveAnalysis", "Update"]
