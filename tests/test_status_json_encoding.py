"""``status --json``'s compact encoding: orjson's output, made pure ASCII, is the very
text the standard library's ``ensure_ascii`` encoder writes."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from coordinator_tui.render import sanitize
from coordinator_tui.render.sanitize import dumps

pytest.importorskip("orjson")

_CHARS = (
    [chr(code) for code in range(0x00, 0x21)]
    + ['"', "\\", "/", "\x7f", "\u0085", "\u009b", "\u00e9", "\u2028", "\u2029", "\ufeff"]
    + ["\u4e2d", "\U0001f600", "\U0010ffff", "a", "Z", " ", "[", "@", "="]
)


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(_CHARS) for _ in range(rng.randint(0, 12)))


def _value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 3 else 5)
    if kind == 0:
        return _text(rng)
    if kind == 1:
        return rng.randint(-(2**53), 2**53)
    if kind == 2:
        return round(rng.uniform(-1e6, 1e6), rng.randint(0, 4))
    if kind == 3:
        return rng.choice([True, False, None])
    if kind == 4:
        return rng.randint(-5, 5)
    if kind == 5:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {_text(rng): _value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def _standard(document: Any) -> str:
    return json.dumps(document, ensure_ascii=True, separators=(",", ":")).replace("\x7f", "\\u007f")


def test_the_fast_encoding_is_the_standard_text_on_random_hostile_documents() -> None:
    rng = random.Random(11)
    for _ in range(3000):
        document = {"sessions": [_value(rng) for _ in range(3)], _text(rng): _value(rng)}
        fast = sanitize._orjson_ascii(document)
        assert fast is not None
        text = fast.decode("ascii")  # fails unless pure ASCII
        assert text == _standard(document) == dumps(document)
        assert json.loads(text) == document


def test_what_orjson_refuses_goes_through_the_standard_library() -> None:
    """A lone surrogate (a file name that is not UTF-8) and an integer past 64 bits."""
    for document in ({"path": "sessions/caf\udce9.json"}, {"count": 10**30}):
        assert sanitize._orjson_ascii(document) is None
        assert dumps(document) == _standard(document)
    assert dumps({"path": "caf\udce9"}) == '{"path":"caf\\udce9"}'
