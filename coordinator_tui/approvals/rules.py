"""Approval rules: requests answered without a person, from the user's own config file.

``[[approval_rules]]`` tables in the config file (``files.config_file``;
inside a ``[coordinator-tui]`` table when the file has one)::

    [[approval_rules]]
    tool = "Bash"            # the tool's name, a glob ("*" for any)
    command = "npm test"     # a glob over the whole command (or path = …, url = …)
    decision = "allow"       # allow | deny | ask (ask: always a person)
    directory = "/srv/coord" # only for this coordination directory (default: all)
    reason = "…"             # what a deny tells the agent's model

Globs: ``*`` and ``?``, ``\\`` takes the next character as it is. In a command, an
``allow`` rule's ``*`` never matches a shell operator (``; & | < > $ ` ( )`` or a line
break), so ``npm test*`` does not allow ``npm test; rm -rf ~``; a ``deny`` rule's
``*`` matches anything. In a path, ``*`` stays within a folder and ``**`` crosses
folders; a relative path pattern is matched against paths inside the agent's working
folder. Of the rules that match, deny wins over ask, ask over allow.

A config file that lies inside the coordination directory or the agent's project is
not read for rules: an agent could write itself a rule there.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass

from coordinator_tui.approvals.requests import Request
from coordinator_tui.approvals.state import is_inside
from coordinator_tui.files.config_file import ConfigError, config_bytes, config_file, read_config

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

KEY = "approval_rules"
SECTION = "coordinator-tui"
DECISIONS = ("allow", "deny", "ask")
PATTERN_KEYS = ("command", "path", "url")
KNOWN_KEYS = frozenset(("tool", "decision", "directory", "reason", *PATTERN_KEYS))
SHELL_OPERATORS = ";&|<>$`()\n\r"
PATH_KEYS = ("file_path", "notebook_path", "path", "filePath")
RANK = {"deny": 0, "ask": 1, "allow": 2}


class RulesError(ValueError):
    """The rules cannot be read or written; the message says which file and why."""


@dataclass(frozen=True)
class Rule:
    decision: str
    tool: str
    command: str | None = None
    path: str | None = None
    url: str | None = None
    directory: str | None = None
    reason: str = ""

    def describe(self) -> str:
        """One line: ``allow Bash command "npm test" in /srv/coord``."""
        parts = [self.decision, self.tool]
        for key in PATTERN_KEYS:
            value = getattr(self, key)
            if value is not None:
                parts.append(f"{key} {json.dumps(value, ensure_ascii=False)}")
        if self.directory:
            parts.append(f"in {self.directory}")
        return " ".join(parts)

    def toml(self, section: str | None = None) -> str:
        """The rule as a TOML table for the config file."""
        header = f"[[{section}.{KEY}]]" if section else f"[[{KEY}]]"
        lines = [header, f"tool = {_toml_string(self.tool)}"]
        for key in PATTERN_KEYS:
            value = getattr(self, key)
            if value is not None:
                lines.append(f"{key} = {_toml_string(value)}")
        lines.append(f"decision = {_toml_string(self.decision)}")
        if self.directory:
            lines.append(f"directory = {_toml_string(self.directory)}")
        if self.reason:
            lines.append(f"reason = {_toml_string(self.reason)}")
        return "\n".join(lines) + "\n"


def _toml_string(value: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, DEL is escaped as TOML wants."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def parse(raw: object) -> tuple[list[Rule], list[str]]:
    """The rules in the config's ``approval_rules`` value, and a problem per bad one
    (a bad rule is skipped, never half applied)."""
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], [f"{KEY} must be a list of tables ([[{KEY}]])"]
    rules, problems = [], []
    for number, table in enumerate(raw, 1):
        rule = _rule(table)
        if isinstance(rule, str):
            problems.append(f"{KEY} #{number}: {rule}")
        else:
            rules.append(rule)
    return rules, problems


def _rule(table: object) -> Rule | str:
    if not isinstance(table, dict):
        return "not a table"
    unknown = sorted(str(key) for key in table if key not in KNOWN_KEYS)
    if unknown:
        return f"unknown key {unknown[0]!r}"
    if any(not isinstance(value, str) for value in table.values()):
        return "every value must be a string"
    decision, tool = table.get("decision"), table.get("tool")
    if decision not in DECISIONS:
        return f"decision must be one of {', '.join(DECISIONS)}"
    if not tool:
        return 'a rule names its tool ("*" for any)'
    patterns = [key for key in PATTERN_KEYS if key in table]
    if len(patterns) > 1:
        return f"give one of {', '.join(PATTERN_KEYS)}, not {' and '.join(patterns)}"
    directory = table.get("directory")
    if directory is not None:
        directory = os.path.expanduser(directory)
        if not os.path.isabs(directory):
            return "directory must be an absolute path"
    return Rule(
        decision=decision,
        tool=tool,
        command=table.get("command"),
        path=table.get("path"),
        url=table.get("url"),
        directory=directory,
        reason=table.get("reason", ""),
    )


# --- matching -----------------------------------------------------------------------


def _glob(pattern: str, any_char: str, star: str) -> re.Pattern[str]:
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            out.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        if char == "*":
            out.append(star)
        elif char == "?":
            out.append(any_char)
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out), re.DOTALL)


def _command_matches(pattern: str, command: str, decision: str) -> bool:
    if decision == "deny":
        regex = _glob(pattern.strip(), ".", ".*")
    else:
        safe = "[^" + re.escape(SHELL_OPERATORS) + "]"
        regex = _glob(pattern.strip(), safe, safe + "*")
    return regex.fullmatch(command.strip()) is not None


def _path_regex(pattern: str) -> re.Pattern[str]:
    marked = pattern.replace("**/", "\0/").replace("**", "\0")
    regex = _glob(marked, "[^/]", "[^/]*").pattern
    regex = regex.replace("\0/", "(?:.*/)?").replace("\0", ".*")
    return re.compile(regex, re.DOTALL)


def _path_matches(pattern: str, path: str, cwd: str) -> bool:
    """Matched on the path as it resolves: a link inside the project to a file outside
    it is that file, not a project path."""
    base = cwd if os.path.isabs(cwd) else "/"
    real = os.path.realpath(os.path.join(base, path))
    expanded = os.path.expanduser(pattern)
    if os.path.isabs(expanded):
        return _path_regex(os.path.normpath(expanded)).fullmatch(real) is not None
    if not os.path.isabs(cwd) or not is_inside(real, cwd):
        return False
    relative = os.path.relpath(real, os.path.realpath(cwd))
    return _path_regex(pattern).fullmatch(relative) is not None


def subject(request: Request) -> tuple[str | None, str | None, str | None]:
    """The request's command, path and URL (None where it has none)."""
    given = request.tool_input
    command = given.get("command")
    if isinstance(command, list) and all(isinstance(word, str) for word in command):
        command = " ".join(command)
    path = next((given[key] for key in PATH_KEYS if isinstance(given.get(key), str)), None)
    url = given.get("url")
    return (
        command if isinstance(command, str) else None,
        path,
        url if isinstance(url, str) else None,
    )


def matches(rule: Rule, request: Request) -> bool:
    import fnmatch

    if not fnmatch.fnmatchcase(request.tool, rule.tool):
        return False
    if rule.directory is not None and os.path.realpath(rule.directory) != request.root:
        return False
    command, path, url = subject(request)
    if rule.command is not None:
        return command is not None and _command_matches(rule.command, command, rule.decision)
    if rule.path is not None:
        return path is not None and _path_matches(rule.path, path, request.cwd)
    if rule.url is not None:
        return url is not None and _glob(rule.url, r"\S", r"\S*").fullmatch(url) is not None
    return True


def decide(rules: Sequence[Rule], request: Request) -> Rule | None:
    """The rule that answers ``request`` (deny over ask over allow), or None."""
    found = [rule for rule in rules if matches(rule, request)]
    return min(found, key=lambda rule: RANK[rule.decision]) if found else None


def escape(text: str) -> str:
    """``text`` as a glob that matches only itself."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")


def rule_for(request: Request) -> Rule | None:
    """The ``allow`` rule for exactly this tool and command, path or URL in this
    directory (``approve --always``, the dashboard's ``a``); None when the request has
    none of them to pin a rule to."""
    command, path, url = subject(request)
    if command is not None:
        return Rule("allow", request.tool, command=escape(command.strip()), directory=request.root)
    if path is not None:
        absolute = os.path.normpath(os.path.join(request.cwd or "/", path))
        return Rule("allow", request.tool, path=escape(absolute), directory=request.root)
    if url is not None:
        return Rule("allow", request.tool, url=escape(url), directory=request.root)
    return None


# --- the config file ----------------------------------------------------------------


def _toml() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    try:  # pragma: no cover - Python 3.10
        import tomli

        return tomli
    except ImportError:  # pragma: no cover - Python 3.10 without tomli: no rules
        return None


def _parse_config(path: str, data: bytes) -> dict[str, Any]:
    toml = _toml()
    if toml is None:
        raise RulesError("no TOML reader (Python 3.10 needs tomli): rules not read")
    try:
        document = toml.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, toml.TOMLDecodeError) as error:
        raise RulesError(f"{path}: {error}") from None
    return document if isinstance(document, dict) else {}


def _section(document: dict[str, Any]) -> dict[str, Any]:
    inner = document.get(SECTION)
    return inner if isinstance(inner, dict) else document


def load(
    root: str, projects: Sequence[str] = (), environ: Mapping[str, str] = os.environ
) -> tuple[list[Rule], list[str]]:
    """The rules of the user's config file and the problems met; none from a file inside
    ``root`` (the coordination directory) or any of ``projects``."""
    path, named = config_file(environ)
    for folder in (root, *projects):
        if folder and os.path.isabs(folder) and is_inside(path, folder):
            return [], [f"rules not read: the config file {path} lies inside {folder}"]
    try:
        section = read_config(path, named)
    except ConfigError as error:
        return [], [str(error)]
    return parse(section.get(KEY))


def append(rule: Rule, environ: Mapping[str, str] = os.environ) -> str:
    """Add ``rule`` at the end of the user's config file (made when missing, mode 0600)
    after checking that the result parses with the rule last; the file's path."""
    from coordinator_tui.files import fsio

    path, _ = config_file(environ)
    try:
        data = config_bytes(path, named=False) or b""
    except ConfigError as error:
        raise RulesError(str(error)) from None
    document = _parse_config(path, data) if data else {}
    section = SECTION if isinstance(document.get(SECTION), dict) else None
    before, _ = parse(_section(document).get(KEY))
    text = data.decode("utf-8")
    if text and not text.endswith("\n"):
        text += "\n"
    text += ("\n" if text else "") + rule.toml(section)
    after, problems = parse(_section(_parse_config(path, text.encode())).get(KEY))
    if problems or len(after) != len(before) + 1 or after[-1] != rule:
        raise RulesError(f"{path}: the rule could not be added cleanly; file left as it was")
    folder, name = os.path.split(path)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    mode = os.stat(path).st_mode & 0o777 if data else 0o600
    fsio.replace_file(folder, name, text.encode("utf-8"))
    os.chmod(path, mode)
    return path
