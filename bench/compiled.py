"""Byte-code for the package before a whole-process benchmark, as an installed wheel has.

``pip install`` of a wheel compiles every module; an editable install leaves it to the
first import, which skips writing it when ``PYTHONDONTWRITEBYTECODE`` is set (as it is
on some machines and CI runners). Every run would then compile the package from
source, about a tenth of a second, and the figures would measure the compiler.
"""

from __future__ import annotations

import compileall
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "coordinator_tui"


def compile_package() -> None:
    """Write (or refresh) the ``.pyc`` of every module; quiet, idempotent."""
    compileall.compile_dir(PACKAGE, quiet=1)
