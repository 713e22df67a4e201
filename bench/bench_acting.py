"""How long ``act()`` (issue 13's decisions) takes beside ``analyse()`` on a big directory.

``act`` is kept out of ``analyse`` (the dashboard's per-event fast path); this
prints both, so a caller knows what running it every cycle costs.

Usage: ``python bench/bench_acting.py [--sessions N]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import bench_core

from coordinator_tui.analysis import analyse
from coordinator_tui.analysis.acting.act import act
from coordinator_tui.settings import Settings
from coordinator_tui.store import Store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=10_000)
    args = parser.parse_args(argv)
    settings = Settings()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "coordination"
        bench_core.generate(root, args.sessions)
        store = Store(root, settings)
        store.scan()
        snapshot = store.snapshot()
        started = time.perf_counter()
        analysis = analyse(snapshot, bench_core.NOW, settings)
        analysed_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        acting = act(analysis)
        acted_ms = (time.perf_counter() - started) * 1000
    print(f"sessions:  {analysis.counts.total}")
    print(f"analyse(): {analysed_ms:7.0f} ms")
    print(f"act():     {acted_ms:7.0f} ms  ({len(acting.resolutions)} resolutions, ", end="")
    print(f"{len(acting.incidents)} incidents, {len(acting.quality)} quality records)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
