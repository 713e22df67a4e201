"""The ``hooks`` actions (parsed in ``commands/agents/hooks.py``)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from coordinator_tui.agents import install
from coordinator_tui.commands.common import CommandError, fail
from coordinator_tui.files.locate import DirectoryNotFound, resolve_directory
from coordinator_tui.render.sanitize import display, strip_control

CODEX_NOTE = (
    "note: Codex runs hooks.json only with '[features] codex_hooks = true' in config.toml, "
    "and only once you trust the hooks"
)


def run(args: argparse.Namespace) -> int:
    try:
        root = _directory(args) if args.action == "install" else ""
        changes = install.plan(
            args.agent,
            root,
            args.scope,
            os.getcwd(),
            str(Path.home()),
            args.action == "install",
            getattr(args, "on_conflict", "ask"),
            _approval_wait(args),
        )
        for change in changes:
            _report(change, args)
    except install.InstallError as error:
        return fail(CommandError(display(str(error))))
    except CommandError as error:
        return fail(error)
    except OSError as error:
        return fail(CommandError(f"could not write: {display(str(error))}"))
    if args.agent == "codex" and args.action == "install":
        print(CODEX_NOTE)
    return 0


def _approval_wait(args: argparse.Namespace) -> float | None:
    """``--approval-wait``, else the setting ``approval_wait_s`` (config, environment)."""
    if args.action != "install":
        return None
    if args.approval_wait is not None:
        return float(args.approval_wait)
    from coordinator_tui.settings import SettingsError, load_settings

    try:
        return load_settings().approval_wait_s
    except SettingsError as error:
        raise CommandError(f"{display(str(error))}", code=2) from None


def _directory(args: argparse.Namespace) -> str:
    try:
        path = resolve_directory(args.dir, must_exist=args.dir is None)
    except DirectoryNotFound as error:
        raise CommandError(str(error), code=2) from None
    if not args.dry_run:
        (path / "sessions").mkdir(parents=True, exist_ok=True)
    return str(path.resolve())


def _report(change: install.Change, args: argparse.Namespace) -> None:
    path = display(change.path)
    if not change.changed:
        print(f"{path}: unchanged")
        return
    if args.dry_run:
        print(f"{path}: would become\n{strip_control(change.text)}")
        return
    done = install.apply(change)
    backup = f" (backup {display(done.backup)})" if done.backup else ""
    print(f"{path}: {'installed' if args.action == 'install' else 'removed'}{backup}")
