"""The core and the headless commands never import Textual (harlequin's rule).

Every module of the package outside ``coordinator_tui.tui`` is found by a walk
(``pkgutil.walk_packages``), so a new module is checked without anyone adding
it to a list. One fresh interpreter imports them one by one and says, after
each, whether Textual has been loaded by then; the first module that loads it
is the one to blame.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
import textwrap

import coordinator_tui

TUI_PACKAGE = "coordinator_tui.tui"

_PROBE = textwrap.dedent(
    """
    import importlib, json, sys

    def textual_loaded():
        return any(m.split(".")[0] == "textual" for m in sys.modules)

    report = {}
    for name in sys.argv[1:]:
        if textual_loaded():
            report[name] = "not checked: an earlier module loaded textual"
            continue
        try:
            importlib.import_module(name)
        except Exception as error:  # reported per module, not a crash of the probe
            report[name] = f"import failed: {type(error).__name__}: {error}"
            continue
        report[name] = "imports textual" if textual_loaded() else "clean"
    print(json.dumps(report))
    """
)


def headless_modules() -> list[str]:
    """Every module and package of ``coordinator_tui`` except the Textual user interface
    and ``__main__`` (importing it runs the CLI; it imports nothing but ``cli``)."""
    found = [
        module.name
        for module in pkgutil.walk_packages(coordinator_tui.__path__, "coordinator_tui.")
        if module.name != TUI_PACKAGE
        and not module.name.startswith(TUI_PACKAGE + ".")
        and not module.name.endswith(".__main__")
    ]
    return ["coordinator_tui", *sorted(found)]


def test_the_walk_finds_the_whole_core() -> None:
    """Guards the walk itself: an empty or partial list would prove nothing."""
    modules = headless_modules()
    for expected in (
        "coordinator_tui.cli",
        "coordinator_tui.store",
        "coordinator_tui.files.layout",
        "coordinator_tui.analysis",
        "coordinator_tui.render.status_json",
        "coordinator_tui.files.fsio",
        "coordinator_tui.headless.coordinator",
        "coordinator_tui.commands.demo",
        "coordinator_tui.demo.simulate",
    ):
        assert expected in modules
    assert not [name for name in modules if name.startswith(TUI_PACKAGE)]
    assert len(modules) >= 40


def test_no_module_outside_tui_imports_textual() -> None:
    modules = headless_modules()
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *modules],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout)
    assert {name: state for name, state in report.items() if state != "clean"} == {}
    assert sorted(report) == sorted(modules)


def test_running_status_does_not_import_textual(collective) -> None:
    code = (
        "import sys\n"
        "from coordinator_tui.cli import main\n"
        f"code = main(['status', {str(collective)!r}, '--json'])\n"
        "print('textual' in sys.modules, code, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip().splitlines()[-1] == "False 0"


def test_status_json_imports_no_rich_or_textual(collective) -> None:
    """``status --json`` runs in scripts, often: it pays for no library it does not use
    (issue 12). pydantic it uses: the settings and the document's models. The probe's own
    output is on stderr, after the document."""
    code = (
        "import sys\n"
        "from coordinator_tui.cli import main\n"
        f"code = main(['status', {str(collective)!r}, '--json'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'textual'})\n"
        "print(heavy, code, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["counts"]["total"] == 12
    assert out.stderr.strip().splitlines()[-1] == "[] 0"


def test_only_json_and_schema_load_the_document_models(collective) -> None:
    """The ``status --json`` models cost their import only where they are printed."""
    code = (
        "import sys\n"
        "from coordinator_tui.cli import main\n"
        "main(sys.argv[1:])\n"
        "print('render.status_document' in ' '.join(sys.modules), file=sys.stderr)\n"
    )
    for argv, loaded in (
        (["status", str(collective)], False),
        (["report", str(collective), "-o", "-"], False),
        (["status", str(collective), "--json"], True),
        (["schema"], True),
    ):
        out = subprocess.run(
            [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True
        )
        assert out.stderr.strip().splitlines()[-1] == str(loaded), argv
