"""Leaving a one-shot command at once: its output flushed, nothing freed.

``status`` and ``report`` build tens of thousands of objects at 10,000 sessions and
print once. Freeing them as the command's function returns (its locals: the store, the
analysis, the document), or the collector's pass over them once it is switched back on
(``gcpause``), took 17-23 ms at 10,000 sessions. Run as the program (``__main__``), they
leave from inside with ``os._exit`` once stdout and stderr are flushed; called from
Python (the tests, another program), ``finish`` only returns the code.
"""

from __future__ import annotations

import os
import sys

_AT_ONCE = [False]


def leave_at_once(at_once: bool = True) -> None:
    """From now on ``finish`` ends the process (``__main__``, for the program only)."""
    _AT_ONCE[0] = at_once


def finish(code: int) -> int:
    """The command's exit code, or, run as the program, the process ended with it."""
    if _AT_ONCE[0]:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
