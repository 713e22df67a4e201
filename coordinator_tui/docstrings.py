"""A model's attribute docstrings as its fields' descriptions, read when a schema is made.

A field's docstring is its description (the settings, the ``status --json`` document).
pydantic's ``use_attribute_docstrings`` finds a class's source by walking the call stack
before Python 3.13, at every start: 60-100 ms for the settings class alone, more than
the rest of a small ``status``. Here a module's source is parsed once, and only when a
JSON Schema is made (``json_schema_extra=describe``): ``coordinator-tui schema``, the
generated docs. Standard library only.
"""

from __future__ import annotations

import ast
import sys
from functools import cache
from typing import Any


def attribute_docstrings(cls: type) -> dict[str, str]:
    """Field name → its docstring (on one line), of ``cls`` and the classes it inherits
    (a ``TypedDict``'s bases too); a class made without a body gives its own
    ``__field_docs__``."""
    found: dict[str, str] = {}
    for klass in _lineage(cls):
        found.update(_module_docstrings(klass.__module__).get(klass.__qualname__, {}))
        found.update(getattr(klass, "__field_docs__", {}))
    return found


def _lineage(cls: type) -> list[type]:
    """``cls`` and its bases, the furthest first (a ``TypedDict`` keeps its bases in
    ``__orig_bases__``, not in its MRO)."""
    bases = [base for base in getattr(cls, "__orig_bases__", ()) if isinstance(base, type)]
    if bases and cls.__mro__[1:] == (dict, object):
        return [ancestor for base in bases for ancestor in _lineage(base)] + [cls]
    return list(reversed(cls.__mro__))


def describe(schema: dict[str, Any], cls: type) -> None:
    """pydantic's ``json_schema_extra``: ``cls``'s schema and each of its properties
    described by the class's and the fields' docstrings (a field under its alias when it
    has one)."""
    docs = attribute_docstrings(cls)
    fields = getattr(cls, "model_fields", None)
    properties = schema.get("properties", {})
    if cls.__doc__ and "description" not in schema:
        schema["description"] = " ".join(cls.__doc__.split())
    for name in fields if fields is not None else list(properties):
        field = fields[name] if fields is not None else None
        alias = getattr(field, "validation_alias", None)
        key = alias if isinstance(alias, str) else (getattr(field, "alias", None) or name)
        if key in properties and name in docs:
            properties[key]["description"] = docs[name]


@cache
def _module_docstrings(module: str) -> dict[str, dict[str, str]]:
    """Class name → {field → docstring} for the top-level classes of a module's source."""
    path = getattr(sys.modules.get(module), "__file__", None)
    if not path or not path.endswith(".py"):
        return {}
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    found: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            found[node.name] = {
                first.target.id: " ".join(second.value.value.split())
                for first, second in zip(node.body, node.body[1:], strict=False)
                if isinstance(first, ast.AnnAssign)
                and isinstance(first.target, ast.Name)
                and isinstance(second, ast.Expr)
                and isinstance(second.value, ast.Constant)
                and isinstance(second.value.value, str)
            }
    return found
