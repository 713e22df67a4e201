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
    """Field name → its docstring (on one line), of ``cls`` and the classes it inherits."""
    found: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        found.update(_module_docstrings(klass.__module__).get(klass.__qualname__, {}))
    return found


def describe(schema: dict[str, Any], cls: type) -> None:
    """pydantic's ``json_schema_extra``: each property of ``cls``'s schema described by
    its field's docstring (under the field's alias when it has one)."""
    docs = attribute_docstrings(cls)
    fields = getattr(cls, "model_fields", {})
    properties = schema.get("properties", {})
    for name, field in fields.items():
        alias = field.validation_alias if isinstance(field.validation_alias, str) else None
        key = alias or field.alias or name
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
