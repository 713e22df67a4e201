"""Names for many directories: short, unique, shown in a column and used in row keys.

A collective is named after its directory's basename; when two collide (every
repository's ``docs/coordination``), each colliding name grows by its parent
folders until it is unique ("projA/docs/coordination"), and a number is added
when even the whole paths agree up to the root (never: paths are deduplicated
first, but a name must be unique whatever it is given).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Collective:
    """One directory of several: ``name`` is unique among them."""

    name: str
    root: Path


def _suffix(path: Path, parts: int) -> str:
    names = [part for part in path.parts if part not in ("/", "")]
    return "/".join(names[-parts:]) if names else str(path)


def unique_names(roots: Sequence[Path]) -> list[str]:
    """One name per root, in order: the basename, lengthened where two collide."""
    depth = [1] * len(roots)
    names = [_suffix(root, 1) for root in roots]
    for _ in range(max((len(root.parts) for root in roots), default=0)):
        counts = Counter(names)
        clashing = [i for i, name in enumerate(names) if counts[name] > 1]
        if not clashing:
            break
        for index in clashing:
            depth[index] += 1
            names[index] = _suffix(roots[index], depth[index])
    seen: Counter[str] = Counter()
    unique = []
    for name in names:
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return unique


def collectives(roots: Sequence[Path]) -> list[Collective]:
    """The directories given, each once (the same path twice is one collective), named."""
    distinct: list[Path] = []
    for root in roots:
        if root not in distinct:
            distinct.append(root)
    return [
        Collective(name, root) for name, root in zip(unique_names(distinct), distinct, strict=True)
    ]
