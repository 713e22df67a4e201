"""The agent's command line: a template from the settings, filled with quoted words.

A template is a shell command the person wrote (``settings.start_command_<agent>``),
run by ``/bin/sh -c`` in the new window. Its placeholders are replaced by single,
shell-quoted words (``shlex.quote``), so a priority's text — untrusted: ``$(…)``,
quotes, newlines — is one argument and nothing else. The first prompt never begins
with ``-`` (it starts with ``Priority``), so no CLI takes it for an option.
"""

from __future__ import annotations

import json
import shlex
import string

from coordinator_tui.agents import install
from coordinator_tui.files.records import PriorityItem
from coordinator_tui.settings import Settings

AGENTS = ("claude", "codex", "gemini")
PLACEHOLDERS = ("prompt", "session", "hooks", "dir", "priority")
DESCRIPTION_LIMIT = 4000


class TemplateError(ValueError):
    """A command template that cannot be used; says which setting and why."""


def template_of(settings: Settings, agent: str) -> str:
    return str(getattr(settings, f"start_command_{agent}"))


def clean(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """Printable text on one line per paragraph: control characters (escape sequences
    too) dropped, tabs and line breaks kept as spaces and newlines."""
    kept = "".join(char if char.isprintable() or char == "\n" else " " for char in text)
    lines = [" ".join(line.split()) for line in kept.splitlines()]
    joined = "\n".join(line for line in lines if line)
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"


def first_prompt(item: PriorityItem, session_id: str, root: str) -> str:
    """The priority, and one line on how to coordinate."""
    description = clean(item.description) or clean(item.name)
    return (
        f"Priority {clean(item.name, 200)} (score {item.score:g}): {description}\n\n"
        f"[coordinator-tui] You are session {session_id} of the coordination directory "
        f"{root} (COORDINATOR_SESSION and COORDINATOR_DIR are set): claim files before "
        "editing them with 'coordinator-tui session claim --path GLOB', and read the "
        "messages other sessions send you when they appear."
    )


def claude_hooks(root: str) -> str:
    """Our hooks as Claude Code ``--settings`` JSON (merged with the person's own)."""
    return json.dumps(
        install.with_ours({}, "claude", install.hook_command(root, "claude")),
        separators=(",", ":"),
        ensure_ascii=True,
    )


def fields_of(template: str, setting: str) -> set[str]:
    """The placeholders a template uses; ``TemplateError`` for an unknown one, a format
    spec or a conversion (``{prompt!r}``), or a brace left open."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as error:
        raise TemplateError(f"{setting}: {error} (write {{{{ and }}}} for braces)") from None
    used = set()
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            known = ", ".join("{" + known + "}" for known in PLACEHOLDERS)
            raise TemplateError(f"{setting}: unknown placeholder {{{name}}} (known: {known})")
        if spec or conversion:
            raise TemplateError(f"{setting}: write {{{name}}} alone (no !conversion, no :spec)")
        used.add(name)
    return used


def check(template: str, setting: str, agent: str) -> set[str]:
    """The placeholders ``template`` uses, or ``TemplateError``: it must pass ``{prompt}``,
    and ``{hooks}`` is Claude Code's alone."""
    used = fields_of(template, setting)
    if "prompt" not in used:
        raise TemplateError(f"{setting}: the command must pass {{prompt}} to the agent")
    if "hooks" in used and agent != "claude":
        raise TemplateError(f"{setting}: {{hooks}} is not available for {agent}")
    return used


def render(template: str, setting: str, agent: str, values: dict[str, str]) -> str:
    """``template`` with each placeholder replaced by its value as one quoted word."""
    used = check(template, setting, agent)
    return template.format(**{name: shlex.quote(values[name]) for name in used})
