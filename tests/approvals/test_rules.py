"""Approval rules (parsing, matching, the config file) and the words of a request."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from coordinator_tui.approvals import rules
from coordinator_tui.approvals.rules import Rule
from coordinator_tui.render import approval_text as describe
from coordinator_tui.settings import load_settings
from tests.approvals.kit import make, place_for

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "coordination"
    folder.mkdir()
    return folder


def test_parse_keeps_good_rules_and_names_each_bad_one() -> None:
    found, problems = rules.parse(
        [
            {"tool": "Bash", "command": "npm test", "decision": "allow"},
            {"tool": "Bash", "decision": "perhaps"},
            {"command": "ls", "decision": "allow"},
            {"tool": "Bash", "command": "ls", "path": "x", "decision": "allow"},
            {"tool": "Bash", "decision": "allow", "directory": "relative"},
            {"tool": "Bash", "decision": "allow", "colour": "red"},
            {"tool": "Bash", "decision": "allow", "command": 3},
            "allow everything",
        ]
    )
    assert found == [Rule("allow", "Bash", command="npm test")]
    assert [problem.split(":")[0] for problem in problems] == [
        f"approval_rules #{n}" for n in range(2, 9)
    ]
    assert rules.parse("allow") == (
        [],
        ["approval_rules must be a list of tables ([[approval_rules]])"],
    )


@pytest.mark.parametrize(
    ("pattern", "command", "decision", "expected"),
    [
        ("npm test", "npm test", "allow", True),
        ("npm test", "  npm test ", "allow", True),
        ("npm test", "npm test; rm -rf ~", "allow", False),
        ("npm test*", "npm test -- --watch", "allow", True),
        ("npm test*", "npm test; rm -rf ~", "allow", False),
        ("npm test*", "npm test && curl evil", "allow", False),
        ("npm test*", "npm test $(curl evil)", "allow", False),
        ("npm test*", "npm test\nrm -rf ~", "allow", False),
        ("rm *", "rm -rf ~; echo", "deny", True),
        ("echo \\*", "echo *", "allow", True),
        ("echo \\*", "echo hi", "allow", False),
        ("git ?tatus", "git status", "allow", True),
    ],
)
def test_command_globs(pattern: str, command: str, decision: str, expected: bool) -> None:
    assert rules._command_matches(pattern, command, decision) is expected


def test_path_globs_relative_to_the_project_and_absolute(tmp_path: Path, root: Path) -> None:
    project = tmp_path / "project"
    (project / "src" / "deep").mkdir(parents=True)
    place = place_for(root)

    def edit(path: str) -> object:
        return make(place, "Edit", {"file_path": path}, cwd=str(project))

    one = Rule("allow", "Edit", path="src/*.py")
    deep = Rule("allow", "Edit", path="src/**")
    assert rules.matches(one, edit("src/a.py"))
    assert rules.matches(one, edit(str(project / "src" / "a.py")))
    assert not rules.matches(one, edit("src/deep/a.py"))
    assert rules.matches(deep, edit("src/deep/a.py"))
    assert not rules.matches(deep, edit("src/../../elsewhere/a.py"))
    assert rules.matches(Rule("allow", "Edit", path=str(project) + "/**"), edit("src/a.py"))
    (project / "src" / "link.py").symlink_to("/etc/passwd")
    assert not rules.matches(deep, edit("src/link.py"))


def test_tool_directory_and_url(root: Path, tmp_path: Path) -> None:
    place = place_for(root)
    fetch = make(place, "WebFetch", {"url": "https://docs.python.org/3/library/re.html"})
    assert rules.matches(Rule("allow", "Web*", url="https://docs.python.org/*"), fetch)
    assert not rules.matches(Rule("allow", "Web*", url="https://docs.python.org.evil/*"), fetch)
    assert not rules.matches(Rule("allow", "Bash"), fetch)
    here = Rule("allow", "*", directory=str(root))
    assert rules.matches(here, fetch)
    assert not rules.matches(Rule("allow", "*", directory=str(tmp_path)), fetch)


def test_deny_wins_over_ask_over_allow(root: Path) -> None:
    request = make(place_for(root), tool_input={"command": "npm test"})
    allow = Rule("allow", "Bash", command="npm *")
    ask = Rule("ask", "Bash", command="npm test")
    deny = Rule("deny", "*")
    assert rules.decide([allow], request) == allow
    assert rules.decide([allow, ask], request) == ask
    assert rules.decide([allow, deny, ask], request) == deny
    assert rules.decide([Rule("allow", "Edit")], request) is None


def test_the_rule_for_a_request_matches_only_it(root: Path) -> None:
    place = place_for(root)
    tricky = make(place, tool_input={"command": "echo * ?"})
    rule = rules.rule_for(tricky)
    assert rule is not None and rule.directory == place.root
    assert rules.matches(rule, tricky)
    assert not rules.matches(rule, make(place, tool_input={"command": "echo a b"}))
    edit = make(place, "Edit", {"file_path": "src/a.py"}, cwd="/p")
    assert rules.rule_for(edit) == Rule("allow", "Edit", path="/p/src/a.py", directory=place.root)
    assert rules.rule_for(make(place, "mcp__db__query", {"sql": "select 1"})) is None


def _config(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    monkeypatch.setenv("COORDINATOR_TUI_CONFIG", str(path))
    return path


@pytest.mark.parametrize("wrapped", [False, True])
def test_append_adds_a_rule_the_settings_and_the_hook_both_read(
    tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch, wrapped: bool
) -> None:
    head = "[coordinator-tui]\nstale_after_s = 300\n" if wrapped else "stale_after_s = 300"
    path = _config(tmp_path, head, monkeypatch)
    rule = Rule("allow", "Bash", command='say "hi" \\ \x7f', directory=str(root))
    assert rules.append(rule) == str(path)
    assert rules.append(rule) == str(path)
    found, problems = rules.load(str(root))
    assert (found, problems) == ([rule, rule], [])
    settings = load_settings()
    assert settings.stale_after_s == 300 and len(settings.approval_rules) == 2
    document = tomllib.loads(path.read_text())
    assert ("coordinator-tui" in document) is wrapped


def test_append_makes_a_private_config_file(
    tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    path = Path(rules.append(Rule("deny", "Bash", command="rm *", reason="no")))
    assert path == tmp_path / "cfg" / "coordinator-tui" / "config.toml"
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert rules.load(str(root)) == ([Rule("deny", "Bash", command="rm *", reason="no")], [])


def test_a_config_inside_the_directory_or_project_gives_no_rules(
    tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = '[[approval_rules]]\ntool = "*"\ndecision = "allow"\n'
    inside = root / "config.toml"
    inside.write_text(text)
    monkeypatch.setenv("COORDINATOR_TUI_CONFIG", str(inside))
    found, problems = rules.load(str(root))
    assert found == [] and "inside" in problems[0]
    project = tmp_path / "project"
    project.mkdir()
    (project / "c.toml").write_text(text)
    monkeypatch.setenv("COORDINATOR_TUI_CONFIG", str(project / "c.toml"))
    assert rules.load(str(root), [str(project)])[0] == []
    assert rules.load(str(root))[0] == [Rule("allow", "*")]


def test_a_broken_config_is_a_problem_not_a_crash(
    tmp_path: Path, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _config(tmp_path, "approval_rules = [", monkeypatch)
    found, problems = rules.load(str(root))
    assert found == [] and "config.toml" in problems[0]
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    monkeypatch.setenv("COORDINATOR_TUI_CONFIG", str(fifo))
    found, problems = rules.load(str(root))
    assert found == [] and "regular" in problems[0]


# --- the words --------------------------------------------------------------------------


def test_summary_per_tool_without_control_characters(root: Path) -> None:
    place = place_for(root)
    bash = make(place, tool_input={"command": "echo \x1b[31mred\x07\nsecond line"})
    assert describe.summary(bash) == "echo red …"
    edit = make(place, "Edit", {"file_path": "a.py", "old_string": "a\nb", "new_string": "c"})
    assert describe.summary(edit) == "a.py (-2 +1 lines)"
    write = make(place, "Write", {"file_path": "b.py", "content": "1\n2\n3\n"})
    assert describe.summary(write) == "b.py (3 lines)"
    fetch = make(place, "WebFetch", {"url": "https://x.org", "prompt": "p"})
    assert describe.summary(fetch) == "https://x.org"
    assert "s1 (claude) asks to run Bash: echo" in describe.notice(bash)


def test_detail_shows_a_command_in_full_and_an_edit_as_a_diff(root: Path) -> None:
    place = place_for(root)
    command = "make \\\n  test\x1b]0;title\x07"
    bash = make(place, tool_input={"command": command, "description": "run tests"}, cwd="/p")
    shown = describe.detail(bash)
    assert shown.kind == "command" and shown.body == "make \\\n  test"
    assert ("cwd", "/p") in shown.fields and ("says", "run tests") in shown.fields
    edit = make(
        place, "Edit", {"file_path": "/p/a.py", "old_string": "x = 1", "new_string": "x = 2"}
    )
    diff = describe.detail(edit)
    assert diff.kind == "diff"
    assert diff.body.splitlines()[-2:] == ["-x = 1", "+x = 2"]
    other = describe.detail(make(place, "mcp__db__query", {"sql": "select 1"}))
    assert other.kind == "text" and '"sql": "select 1"' in other.body
