"""``coordinator-tui schema``: a JSON Schema that real ``status --json`` output validates
against, for one directory and for several, and that refuses a document of another shape."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from coordinator_tui.cli import main
from tests.collective import ago, build_collective, session
from tests.hostile import build_hostile

NOW_ARG = ["--now", "2025-11-15T20:00:00Z"]
REPO = Path(__file__).resolve().parents[1]


def _schema() -> dict[str, Any]:
    """What the program prints, as a user would get it."""
    done = subprocess.run(
        [sys.executable, "-m", "coordinator_tui", "schema"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=REPO,
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _status(capsys: pytest.CaptureFixture[str], *directories: Path) -> dict[str, Any]:
    main(["status", *map(str, directories), "--json", *NOW_ARG])
    return json.loads(capsys.readouterr().out)


def _problems(validator: jsonschema.Draft202012Validator, document: Any) -> list[str]:
    return [error.message for error in validator.iter_errors(document)]


def test_one_directory_validates(
    collective: Path, validator: jsonschema.Draft202012Validator, capsys: pytest.CaptureFixture[str]
) -> None:
    document = _status(capsys, collective)
    assert document["sessions"] and document["milestones"]["items"] and document["resolutions"]
    assert _problems(validator, document) == []


def test_hostile_files_still_validate(
    tmp_path: Path, validator: jsonschema.Draft202012Validator, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "hostile"
    build_hostile(root)
    document = _status(capsys, root)
    assert document["errors"]
    assert _problems(validator, document) == []


def test_several_directories_validate(
    tmp_path: Path, validator: jsonschema.Draft202012Validator, capsys: pytest.CaptureFixture[str]
) -> None:
    first = build_collective(tmp_path / "alpha" / "coordination")
    second = tmp_path / "beta" / "coordination"
    session(second, "session-b1", "ship the docs", ago(minutes=1))
    document = _status(capsys, first, second)
    assert [entry["name"] for entry in document["collectives"]] == [
        "alpha/coordination",
        "beta/coordination",
    ]
    assert list(document["collectives"][0])[:2] == ["name", "schema"]
    assert _problems(validator, document) == []


def test_a_document_of_another_shape_is_refused(
    collective: Path, validator: jsonschema.Draft202012Validator, capsys: pytest.CaptureFixture[str]
) -> None:
    document = _status(capsys, collective)
    for change in (
        lambda d: d["sessions"][0].pop("health"),
        lambda d: d["sessions"][0].update(surprise=1),
        lambda d: d["counts"].update(total="12"),
        lambda d: d.update(schema=2),
        lambda d: d["milestones"]["items"][0]["forecast"].update(eta=5),
    ):
        broken = copy.deepcopy(document)
        change(broken)
        assert _problems(validator, broken), change


def test_every_field_is_described() -> None:
    """Each field's docstring is its description in the schema (what docs/schema.md
    shows), inherited fields and those under an alias too."""
    definitions = _schema()["$defs"]
    for name, definition in definitions.items():
        assert definition.get("description"), name
        for field, spec in definition["properties"].items():
            assert spec.get("description"), f"{name}.{field}"
    assert definitions["Message"]["properties"]["from"]["description"] == "Who sent it."
    assert definitions["Collective"]["properties"]["counts"]["description"] == (
        "Sessions by health."
    )
