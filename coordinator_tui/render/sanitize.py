"""Make untrusted text safe for a terminal.

Everything a session writes reaches the screen. A terminal acts on escape
sequences (OSC 52 writes the clipboard, CSI 2J clears the screen), so before any
string from a file is rendered we remove: ESC-introduced sequences (CSI, OSC,
DCS, SOS, PM, APC and two-byte escapes), the 8-bit C1 forms of the same, every
other C0 control except tab and newline, DEL and C1. Markup is a separate
concern: callers render the result as plain ``rich.text.Text``, never as markup.
"""

from __future__ import annotations

import re

# A string terminator for OSC/DCS/SOS/PM/APC: BEL, ESC \ or the C1 ST (0x9c).
_ST = r"(?:\x07|\x1b\\|\x9c)"
_CONTROL_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"  # CSI (7- and 8-bit), final byte optional when cut
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*" + _ST + r"?"  # OSC/DCS/SOS/PM/APC
    r"|\x1b[ -/]*[0-~]?"  # other escapes (ESC c, ESC ( B, lone ESC)
)
_OTHER_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Lone surrogates (from a file name that is not UTF-8) cannot be written to a strict
# UTF-8 stream: printing one raises. They become U+FFFD.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_ANY_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def strip_control(text: str) -> str:
    """Remove terminal control sequences and control characters, keeping tab and newline."""
    if not _ANY_CONTROL.search(text):
        return text
    text = _CONTROL_SEQUENCE.sub("", text)
    return _SURROGATE.sub("\ufffd", _OTHER_CONTROLS.sub("", text))


def one_line(text: str) -> str:
    """Sanitised text on one line: newlines and tabs become spaces, runs of space fold."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        # Already one clean line: ``isprintable`` is False for every control character,
        # surrogate, line or paragraph separator and space other than " ", so nothing
        # below would change it (the common case: ten thousand work strings a refresh).
        return text
    return " ".join(strip_control(text).split())


def clip(text: str, width: int) -> str:
    """Cut ``text`` to ``width`` characters for display, marking the cut with an ellipsis."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + "…"


def display(value: object, width: int | None = None) -> str:
    """Any value from a file as a safe, single-line display string, optionally clipped."""
    if value is None:
        return ""
    text = one_line(value if isinstance(value, str) else str(value))
    return clip(text, width) if width is not None else text
