"""``status DIR1 DIR2 … --json``: one document holding each directory's own document.

``{"schema": 3, "collectives": [{"name": …, <the single-directory document>}, …]}``:
each entry is exactly what ``status DIR --json`` prints for that directory (its
own ``schema``, ``root``, ``check``…) with ``name`` in front, so a script that
reads one directory's document reads each of these the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coordinator_tui.collectives.names import Collective
from coordinator_tui.render.status_json import SCHEMA_VERSION


def many_document(entries: Sequence[tuple[Collective, dict[str, Any]]]) -> dict[str, Any]:
    """The document for several directories, from each one's ``analysis_to_dict``."""
    return {
        "schema": SCHEMA_VERSION,
        "collectives": [{"name": collective.name, **document} for collective, document in entries],
    }
