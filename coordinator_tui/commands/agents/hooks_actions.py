"""The ``hooks`` actions (parsed in ``commands/agents/hooks.py``)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from coordinator_tui.agents import install
from coordinator_tui.commands.common import CommandError, fail
from coordinator_tui.files.locate import DirectoryNotFound, resolve_directory
from coordinator_tui.render.sanitize import display, strip_control


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
    if args.agent == "codex" and args.action == "install" and not args.dry_run:
        _trust_codex(args.scope)
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


def _trust_codex(scope: str) -> None:
    """Codex runs a hook only in a trusted project and once the hook itself is trusted
    (``agents/codex_trust.py``): trust ours through Codex, or say exactly what to do."""
    from coordinator_tui.agents import claims, codex_trust

    cwd = os.getcwd()
    config = os.path.join(install.codex_home(str(Path.home())), "config.toml")
    if scope == "project":
        folders = [claims.work_tree(cwd), cwd]
        if not codex_trust.project_trusted(config, folders):
            print(
                f"Codex reads {display(os.path.join(cwd, '.codex', 'hooks.json'))} only in a "
                f"trusted project. Trust it (this allows all of its Codex configuration): "
                f"answer yes when codex asks in this folder, or add to {display(config)}:\n"
                f'  [projects."{display(folders[0])}"]\n  trust_level = "trusted"\n'
                "then run this install again: it trusts the hooks themselves."
            )
            return
    try:
        count = codex_trust.trust_ours(cwd, install.MARKER)
    except (codex_trust.TrustError, OSError) as error:
        print(
            f"Codex runs a new or changed hook only once trusted, and {display(str(error))}: "
            "open codex here, type /hooks and trust the coordinator-tui hooks."
        )
        return
    print(f"Codex: our {count} hooks are trusted (hooks.state in {display(config)}).")


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
