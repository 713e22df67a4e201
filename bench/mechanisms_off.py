"""``coordinator-tui DIR`` with some of the dashboard's performance mechanisms switched
off, for ``bench_live.py --off`` to measure each against the program as shipped.

    python bench/mechanisms_off.py switch,freeze DIR

- ``freeze``: no ``gc.freeze`` of what the first analysis leaves alive;
- ``hold``: the coordinator's decisions do not wait for a pause in typing;
- ``defer``: changed files do not wait for a pause in typing;
- ``costs``: the sessions' transcripts are not followed (no cost column, strip or budgets).

Each is switched off as its module is first imported, so the command starts as the
program does (the same imports, in the same order, at the same moments).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from types import ModuleType
from typing import Any


class NoUsage:
    """In place of ``tui.costs.UsageFeed``: never started, so never stepped."""

    started = False
    stepping = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def watch(self, snapshot: Any) -> None:
        pass

    step_wanted = False

    def flush(self) -> None:
        pass


PATCHES: dict[str, dict[str, tuple[str, Any]]] = {
    "freeze": {"coordinator_tui.tui.watcher": ("freeze_survivors", lambda records: None)},
    "hold": {"coordinator_tui.tui.screens.dashboard": ("KEYS_FIRST_S", 0.0)},
    "defer": {"coordinator_tui.tui.screens.dashboard": ("TYPING_PAUSE_S", 0.0)},
    "costs": {"coordinator_tui.tui.screens.dashboard": ("UsageFeed", NoUsage)},
}


class Patcher(importlib.abc.MetaPathFinder):
    """Sets each patched name right after its module has run."""

    def __init__(self, wanted: dict[str, list[tuple[str, Any]]]) -> None:
        self.wanted = wanted

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name not in self.wanted:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return None
        loader, patches = spec.loader, self.wanted[name]

        class Patched(importlib.abc.Loader):
            def create_module(self, spec: Any) -> ModuleType | None:
                return loader.create_module(spec)

            def exec_module(self, module: ModuleType) -> None:
                loader.exec_module(module)
                for attribute, value in patches:
                    setattr(module, attribute, value)

        spec.loader = Patched()
        return spec


def main() -> None:
    names, sys.argv = sys.argv[1].split(","), [sys.argv[0], *sys.argv[2:]]
    wanted: dict[str, list[tuple[str, Any]]] = {}
    for name in names:
        for module, patch in PATCHES[name].items():
            wanted.setdefault(module, []).append(patch)
    sys.meta_path.insert(0, Patcher(wanted))
    from coordinator_tui.__main__ import entry

    entry()


if __name__ == "__main__":
    main()
