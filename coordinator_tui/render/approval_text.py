"""What an approval request would do, in words: one line for the inbox, the whole for
its screen, a notification's sentence.

Every string here came from an agent's tool input: the callers show it as plain text
(rich ``Text``, never markup) and this module removes terminal control sequences and
characters (``sanitize``), so nothing in a command or a file can move the cursor, set
the clipboard or ring the terminal.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from coordinator_tui.approvals.requests import Request
from coordinator_tui.approvals.rules import subject
from coordinator_tui.render.sanitize import strip_control

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SUMMARY_WIDTH = 160
MAX_DIFF_LINES = 2000


def plain(text: object, keep_newlines: bool = False) -> str:
    """``text`` without terminal controls; tabs become spaces, line breaks a space unless
    ``keep_newlines``."""
    value = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False, default=str)
    value = strip_control(value.replace("\r\n", "\n").replace("\r", "\n")).replace("\t", "    ")
    value = value.replace("\u2028", "\n").replace("\u2029", "\n")
    return value if keep_newlines else value.replace("\n", " ")


def one_line(text: object, width: int = SUMMARY_WIDTH) -> str:
    lines = [line for line in plain(text, keep_newlines=True).splitlines() if line.strip()]
    first = lines[0].strip() if lines else ""
    more = len(lines) > 1
    if len(first) > width or more:
        first = first[: width - 1] + "…" if len(first) > width else first + " …"
    return first


def summary(request: Request) -> str:
    """One line: the command, the file (and its change in lines), the URL, or the input."""
    command, path, url = subject(request)
    if command is not None:
        return one_line(command)
    if path is not None:
        change = _line_change(request.tool_input)
        return one_line(path) + (f" ({change})" if change else "")
    if url is not None:
        return one_line(url)
    if request.note:
        return one_line(request.note)
    return one_line(json.dumps(request.tool_input, ensure_ascii=False, default=str))


def _line_change(given: dict[str, Any]) -> str:
    old, new = given.get("old_string"), given.get("new_string")
    if isinstance(old, str) and isinstance(new, str):
        return f"-{len(old.splitlines())} +{len(new.splitlines())} lines"
    content = given.get("content")
    if isinstance(content, str):
        return f"{len(content.splitlines())} lines"
    edits = given.get("edits")
    if isinstance(edits, list):
        return f"{len(edits)} edits"
    return ""


def notice(request: Request) -> str:
    """What a notification says: the session, its agent and tool, the summary."""
    who = f"{plain(request.session)} ({plain(request.agent)})"
    return f"{who} asks to run {plain(request.tool)}: {summary(request)}"


@dataclass(frozen=True)
class Detail:
    """A request in full: ``fields`` (label, value) then a body of ``kind`` ``command``
    (its text), ``diff`` (unified diff lines) or ``text`` (the input as JSON)."""

    fields: tuple[tuple[str, str], ...]
    kind: str
    body: str


def detail(request: Request) -> Detail:
    given = request.tool_input
    command, path, url = subject(request)
    fields = [
        ("session", plain(request.session)),
        ("agent", plain(request.agent)),
        ("tool", plain(request.tool)),
        ("directory", plain(request.root)),
    ]
    if request.cwd:
        fields.append(("cwd", plain(request.cwd)))
    if path is not None:
        fields.append(("file", plain(path)))
    if url is not None:
        fields.append(("url", plain(url)))
    if request.note:
        fields.append(("note", plain(request.note)))
    if request.clipped:
        fields.append(("clipped", "the input was too long and is shown cut"))
    if command is not None:
        description = given.get("description")
        if isinstance(description, str) and description.strip():
            fields.append(("says", one_line(description)))
        return Detail(tuple(fields), "command", plain(command, keep_newlines=True))
    diff = edit_diff(given, path or "file")
    if diff is not None:
        return Detail(tuple(fields), "diff", diff)
    body = json.dumps(given, ensure_ascii=False, indent=2, default=str)
    return Detail(tuple(fields), "text", plain(body, keep_newlines=True))


def edit_diff(given: dict[str, Any], path: str) -> str | None:
    """A unified diff of an Edit (``old_string`` → ``new_string``), a MultiEdit's edits,
    a Write's content (all added), or Gemini's ``fileDiff``; None for other tools."""
    import difflib

    name = os.path.basename(path) or path
    pairs: list[tuple[str, str]] = []
    if isinstance(given.get("old_string"), str) and isinstance(given.get("new_string"), str):
        pairs.append((given["old_string"], given["new_string"]))
    elif isinstance(given.get("edits"), list):
        for edit in given["edits"]:
            if isinstance(edit, dict):
                old, new = edit.get("old_string"), edit.get("new_string")
                if isinstance(old, str) and isinstance(new, str):
                    pairs.append((old, new))
    elif isinstance(given.get("content"), str):
        pairs.append(("", given["content"]))
    elif isinstance(given.get("fileDiff"), str):
        return plain(given["fileDiff"], keep_newlines=True)
    if not pairs:
        return None
    lines: list[str] = []
    for old, new in pairs:
        lines += difflib.unified_diff(
            old.splitlines(), new.splitlines(), f"a/{name}", f"b/{name}", lineterm="", n=3
        )
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"… {len(lines) - MAX_DIFF_LINES} more lines"]
    return plain("\n".join(lines), keep_newlines=True)
