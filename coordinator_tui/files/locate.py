"""Finding the coordination directory."""

from __future__ import annotations

import os
from pathlib import Path


class DirectoryNotFound(LookupError):
    """No coordination directory; the message names every place tried."""


def resolve_directory(
    argument: str | None,
    environ: dict[str, str] | None = None,
    cwd: Path | None = None,
    must_exist: bool = True,
) -> Path:
    """The argument, else ``$COORDINATOR_DIR``, else ``./docs/coordination``, else
    ``./COORDINATION``, else ``.`` when it has a ``sessions/`` folder.

    With ``must_exist=False`` an explicit argument or variable is returned even when
    the folder is not there yet (the dashboard waits for it to appear).
    """
    env = os.environ if environ is None else environ
    here = cwd or Path.cwd()
    explicit = argument or env.get("COORDINATOR_DIR")
    if explicit:
        path = (here / explicit).resolve() if not Path(explicit).is_absolute() else Path(explicit)
        if path.is_dir() or (not must_exist and not path.exists()):
            return path
        source = "argument" if argument else "$COORDINATOR_DIR"
        what = "is not a directory" if path.exists() else "does not exist"
        raise DirectoryNotFound(f"{path} ({source}) {what}")
    tried = []
    for candidate in (here / "docs" / "coordination", here / "COORDINATION"):
        if candidate.is_dir():
            return candidate.resolve()
        tried.append(str(candidate))
    if (here / "sessions").is_dir():
        return here.resolve()
    tried.append(f"{here}/sessions")
    raise DirectoryNotFound(
        "no coordination directory: give DIR or set $COORDINATOR_DIR (tried "
        + ", ".join(tried)
        + ")"
    )
