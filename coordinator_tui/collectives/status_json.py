"""``status DIR1 DIR2 … --json``: one document holding each directory's own document.

``{"schema": 3, "collectives": [{"name": …, <the single-directory document>}, …]}``:
each entry is exactly what ``status DIR --json`` prints for that directory (its
own ``schema``, ``root``, ``check``…) with ``name`` in front, so a script that
reads one directory's document reads each of these the same way
(``render.status_document.ManyDocument``).
"""

from __future__ import annotations

from collections.abc import Sequence

from coordinator_tui.collectives.names import Collective
from coordinator_tui.render.status_document import SCHEMA_VERSION, ManyDocument, StatusDocument


def many_document(entries: Sequence[tuple[Collective, StatusDocument]]) -> ManyDocument:
    """The document for several directories, from each one's ``status_document``."""
    return {
        "schema": SCHEMA_VERSION,
        "collectives": [{"name": collective.name, **document} for collective, document in entries],
    }
