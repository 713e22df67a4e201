"""``coordinator-tui schema``: the JSON Schema of what ``status --json`` prints.

One schema for both documents: one directory's (``StatusDocument``) and several
directories' (``ManyDocument``), made by pydantic from the typed dictionaries in
``render.status_document`` (each field's docstring is its description).
``docs/schema.md`` says how to use it.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from coordinator_tui.settings import Settings

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def add_parser(parsers: Any) -> None:
    parser = parsers.add_parser(
        "schema",
        description="Print the JSON Schema of the status --json document (one directory "
        "or several).",
    )
    parser.add_argument("--compact", action="store_true", help="on one line (default: indented)")


def document_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that every ``status --json`` output validates against."""
    from pydantic import TypeAdapter

    from coordinator_tui.render.status_document import (
        SCHEMA_VERSION,
        ManyDocument,
        StatusDocument,
        pydantic_config,
    )

    pydantic_config()
    schema = TypeAdapter(StatusDocument | ManyDocument).json_schema(by_alias=True)
    return {
        "$schema": DIALECT,
        "title": f"coordinator-tui status --json, schema {SCHEMA_VERSION}",
        "description": "What `coordinator-tui status DIR --json` prints (StatusDocument), "
        "or `status DIR1 DIR2 … --json` (ManyDocument).",
        **schema,
    }


def main(args: argparse.Namespace, settings: Settings) -> int:
    indent = None if args.compact else 2
    print(json.dumps(document_schema(), indent=indent, ensure_ascii=False))
    return 0
