"""``coordinator-tui hooks install|uninstall``: connect Claude Code, Codex or Gemini CLI.

Merges our hook entries into the agent's settings (project scope: this folder's
``.claude/settings.json``, ``.gemini/settings.json``, ``.codex/hooks.json``; user
scope: the home ones and, for Codex, ``notify`` in ``$CODEX_HOME/config.toml``).
Exit 0 when done (or nothing to do), 1 when a file cannot be merged safely, 2 for
a bad command line.
"""

from __future__ import annotations

import argparse

from coordinator_tui.commands.arguments import between

AGENT_NAMES = ("claude", "codex", "gemini")


def build_parser(parser_class: type[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = parser_class(
        prog="coordinator-tui hooks",
        description="Install or remove the agent hooks that report to a coordination directory.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action in ("install", "uninstall"):
        sub = actions.add_parser(action, help=f"{action} the hooks for one agent")
        sub.add_argument("dir", nargs="?", metavar="DIR", help="coordination directory")
        sub.add_argument("--agent", required=True, choices=AGENT_NAMES)
        sub.add_argument("--scope", choices=("project", "user"), default="project")
        sub.add_argument("--dry-run", action="store_true", help="print what would change")
        if action == "install":
            sub.add_argument(
                "--on-conflict",
                choices=("ask", "deny"),
                default="ask",
                help="an edit of a path another live session claimed: ask (default) or deny",
            )
            sub.add_argument(
                "--approval-wait",
                type=between(float, 0, 3600, "a wait in seconds"),
                default=None,
                metavar="SECONDS",
                help="how long a permission request waits in the approval inbox before the "
                "agent's own prompt answers alone (default: approval_wait_s, 120)",
            )
    return parser


def main(args: argparse.Namespace) -> int:
    """Run the action; loaded only now so building the command line stays cheap."""
    from coordinator_tui.commands.agents.hooks_actions import run

    return run(args)
