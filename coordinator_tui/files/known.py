"""The store's known files by relative path, and how many lie below each folder.

A file event for a path that no longer exists may be a folder that went (drop
everything beneath it) or, far more often, a writer's temporary file renamed into
place. Counting the known files below each folder answers "was this a folder we
knew?" at once, so 200 atomic rewrites a second among 10,000 sessions no longer
walk every known path for each temporary name.
"""

from __future__ import annotations

from typing import TypeVar

from coordinator_tui.files.records import FileKind

_Default = TypeVar("_Default")


def _folders(path: str) -> tuple[str, ...]:
    """``sessions/MILESTONES/x.json`` → ``("sessions", "sessions/MILESTONES")``."""
    folder = path.rpartition("/")[0]
    chain = _CHAINS.get(folder)
    if chain is None:
        parts = folder.split("/") if folder else []
        chain = tuple("/".join(parts[: index + 1]) for index in range(len(parts)))
        if len(_CHAINS) < _CHAINS_KEPT:
            _CHAINS[folder] = chain
    return chain


_CHAINS: dict[str, tuple[str, ...]] = {}
"""Each folder's chain of folders, worked out once (10,000 sessions share one folder)."""
_CHAINS_KEPT = 4096


class KnownPaths(dict[str, FileKind]):
    """A dict of relative path → kind that keeps ``below`` (folder → known files in it)."""

    def __init__(self) -> None:
        super().__init__()
        self.below: dict[str, int] = {}

    def __setitem__(self, key: str, value: FileKind) -> None:
        if key not in self:
            for folder in _folders(key):
                self.below[folder] = self.below.get(folder, 0) + 1
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._uncount(key)

    def pop(self, key: str, default: FileKind | None = None) -> FileKind | None:  # type: ignore[override]
        if key not in self:
            return default
        value = super().pop(key)
        self._uncount(key)
        return value

    def _uncount(self, key: str) -> None:
        for folder in _folders(key):
            left = self.below.get(folder, 0) - 1
            if left > 0:
                self.below[folder] = left
            else:
                self.below.pop(folder, None)

    def under(self, folder: str) -> list[str]:
        """The known paths below ``folder`` (``""``: all of them); none at once when no
        known file lies below it (a file's own path, a temporary name)."""
        if folder == "":
            return list(self)
        if not self.below.get(folder):
            return []
        prefix = folder + "/"
        return [path for path in self if path.startswith(prefix)]
