"""The shape issue 9 set, kept: small modules, short functions, folders a reader can scan.

Every module of the package stays under 400 lines, every function under 60, and no
folder holds more than 12 modules side by side. A failure names what grew, so it is
split when it grows, not in a later clean-up.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "coordinator_tui"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
MAX_MODULES_PER_FOLDER = 12


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_the_walk_sees_the_package() -> None:
    names = {path.relative_to(PACKAGE).as_posix() for path in _modules()}
    assert {"cli.py", "store.py", "tui/app.py", "analysis/__init__.py"} <= names


def test_no_module_over_400_lines() -> None:
    long = {
        path.relative_to(PACKAGE).as_posix(): lines
        for path in _modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_over_60_lines() -> None:
    long: dict[str, int] = {}
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(PACKAGE).as_posix()}:{node.name}"] = length
    assert long == {}


def test_no_folder_over_12_modules() -> None:
    crowded = {
        folder.relative_to(PACKAGE).as_posix() or ".": count
        for folder in {path.parent for path in _modules()}
        if (count := len(list(folder.glob("*.py")))) > MAX_MODULES_PER_FOLDER
    }
    assert crowded == {}
