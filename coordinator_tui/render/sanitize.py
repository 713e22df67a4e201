"""Make untrusted text safe for a terminal.

Everything a session writes reaches the screen. A terminal acts on escape
sequences (OSC 52 writes the clipboard, CSI 2J clears the screen), so before any
string from a file is rendered we remove: ESC-introduced sequences (CSI, OSC,
DCS, SOS, PM, APC and two-byte escapes), the 8-bit C1 forms of the same, every
other C0 control except tab and newline, DEL and C1. Markup is a separate
concern: callers render the result as plain ``rich.text.Text``, never as markup.

JSON printed for scripts (``status --json``) keeps every string whole instead:
``dumps``/``encode``/``write`` escape what a terminal would act on.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

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


# --- JSON for a terminal ---------------------------------------------------------------

_UNSAFE = re.compile(r"[\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def dumps(document: Any, pretty: bool = False) -> str:
    """``encode`` as text."""
    return encode(document, pretty).decode("utf-8")


def write(document: Any, pretty: bool = False) -> None:
    """The document and a newline on standard output, as bytes when it takes them."""
    data = encode(document, pretty)
    stream = getattr(sys.stdout, "buffer", None)
    if stream is None:
        sys.stdout.write(data.decode("utf-8") + "\n")
        return
    sys.stdout.flush()  # whatever was printed as text before goes first
    stream.write(data)
    stream.write(b"\n")
    stream.flush()


def encode(document: Any, pretty: bool = False) -> bytes:
    """JSON with every terminal-unsafe character escaped, as UTF-8 bytes.

    Compact (the default, for scripts) is pure ASCII, as the C encoder's
    ``ensure_ascii`` writes it: every character outside ASCII — C1 controls,
    U+2028/2029, lone surrogates included — comes out as a ``\\u`` escape, C0 controls
    are escaped by JSON itself, and DEL too. It is encoded by ``orjson`` when that is
    installed (a quarter of the time at 10,000 sessions) and the few non-ASCII runs
    escaped afterwards; a document orjson refuses (a lone surrogate, an integer past
    64 bits) goes through the standard library. ``pretty`` (for people) keeps other
    characters as they are, indented.
    """
    if not pretty:
        fast = _orjson_ascii(document)
        if fast is not None:
            return fast
        compact = json.dumps(document, ensure_ascii=True, separators=(",", ":"))
        return compact.replace("\x7f", "\\u007f").encode("ascii")
    text = json.dumps(document, ensure_ascii=False, indent=2)
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text).encode("utf-8")


_NOT_ASCII = re.compile(rb"[\x7f-\xff]+")


def _orjson_ascii(document: Any) -> bytes | None:
    try:
        import orjson
    except ImportError:
        return None
    try:
        data = orjson.dumps(document)
    except (TypeError, ValueError):  # orjson.JSONEncodeError is a TypeError
        return None
    if not data.isascii() or b"\x7f" in data:  # both far quicker than a regex search
        data = _NOT_ASCII.sub(_escaped, data)
    return data


def _escaped(match: re.Match[bytes]) -> bytes:
    """A run of UTF-8 (only ever inside a string) as ``ensure_ascii`` writes it: ``\\u``
    escapes, characters past U+FFFF as surrogate pairs."""
    out = []
    for char in match.group().decode("utf-8"):
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out).encode("ascii")
