"""Codex runs a hook only once it is trusted: ours are trusted through Codex itself.

Checked on Codex 0.171.0: ``codex features list`` shows ``hooks stable true`` (no
``[features] codex_hooks`` switch any more). Two trusts stand between an installed
hook and its running, and an untrusted hook is skipped without a word:

1. a project's ``.codex/hooks.json`` is read only in a trusted project
   (``[projects."<folder>"] trust_level = "trusted"`` in ``$CODEX_HOME/config.toml``,
   written when the person accepts Codex's trust question or runs ``codex exec
   --trust``); that grant covers all of the project's Codex configuration, so it is
   the person's to give, and ``hooks install`` only checks it and says how;
2. every hook is trusted by the hash of its exact definition
   (``[hooks.state."<key>"] trusted_hash``). ``hooks install`` asks Codex's own
   app server for the hooks it sees (``hooks/list``) and trusts ours, and only ours,
   with the hash Codex gave (``config/batchWrite``), then lists again to confirm —
   what Codex's ``/hooks`` screen does. The hash is never computed here.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from typing import Any

WAIT_S = 20.0


class TrustError(Exception):
    """Codex could not be asked, or did not confirm; the message says what happened."""


def project_trusted(config_path: str, folders: list[str]) -> bool:
    """Whether ``config.toml`` trusts one of ``folders`` (the work tree or the folder)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    from coordinator_tui.agents.install import InstallError, read_settings

    try:
        text = read_settings(config_path) or ""
        projects = tomllib.loads(text).get("projects")
    except (InstallError, tomllib.TOMLDecodeError):
        return False
    if not isinstance(projects, dict):
        return False
    return any(
        isinstance(projects.get(folder), dict) and projects[folder].get("trust_level") == "trusted"
        for folder in folders
    )


class AppServer:
    """``codex app-server`` over stdio: JSON-RPC, one message a line."""

    def __init__(self, codex: str, cwd: str) -> None:
        self.process = subprocess.Popen(
            [codex, "app-server"],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.number = 0
        self.buffer = b""

    def call(self, method: str, params: dict[str, Any]) -> Any:
        self.number += 1
        self.send({"method": method, "id": self.number, "params": params})
        deadline = time.monotonic() + WAIT_S
        while True:
            message = self._next(deadline)
            if message.get("id") != self.number:
                continue
            if "error" in message:
                raise TrustError(f"codex app-server {method}: {message['error']}")
            return message.get("result")

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()

    def _next(self, deadline: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TrustError(f"codex app-server did not answer within {WAIT_S:.0f} s")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise TrustError("codex app-server ended without answering")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        try:
            message = json.loads(line)
        except ValueError:
            return {}
        return message if isinstance(message, dict) else {}

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


def ours(hooks: list[Any], marker: str) -> list[dict[str, Any]]:
    return [
        hook
        for hook in hooks
        if isinstance(hook, dict)
        and marker in str(hook.get("command", ""))
        and not hook.get("isManaged")
    ]


def trust_ours(cwd: str, marker: str, codex: str | None = None) -> int:
    """Trust every hook of ours Codex lists for ``cwd``; the number now trusted.

    ``TrustError`` when Codex is not installed, cannot be asked, lists none of ours (an
    untrusted project's hooks are not listed) or does not confirm."""
    program = codex or shutil.which("codex")
    if program is None:
        raise TrustError("codex is not on PATH")
    server = AppServer(program, cwd)
    try:
        server.call("initialize", {"clientInfo": {"name": "coordinator-tui", "version": "1"}})
        server.send({"method": "initialized"})
        mine = ours(_listed(server, cwd), marker)
        if not mine:
            raise TrustError("Codex lists none of our hooks for this folder")
        state = {
            hook["key"]: {"trusted_hash": hook["currentHash"]}
            for hook in mine
            if hook.get("trustStatus") != "trusted"
        }
        if state:
            edit = {"keyPath": "hooks.state", "value": state, "mergeStrategy": "upsert"}
            server.call("config/batchWrite", {"edits": [edit], "reloadUserConfig": True})
        again = ours(_listed(server, cwd), marker)
        untrusted = [hook for hook in again if hook.get("trustStatus") != "trusted"]
        if untrusted or len(again) < len(mine):
            raise TrustError(f"Codex still lists {len(untrusted)} of our hooks as untrusted")
        return len(again)
    finally:
        server.close()


def _listed(server: AppServer, cwd: str) -> list[Any]:
    result = server.call("hooks/list", {"cwds": [cwd]})
    hooks: list[Any] = []
    for entry in (result or {}).get("data", []) if isinstance(result, dict) else []:
        if isinstance(entry, dict) and isinstance(entry.get("hooks"), list):
            hooks += entry["hooks"]
    return hooks
