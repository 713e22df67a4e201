"""``coordinator-tui serve [DIR…] [--host 127.0.0.1] [--port 8000] [--public] [--read-only]``.

Serves the dashboard to web browsers with textual-serve (the optional ``web``
extra, used by ``tui/serve.py`` and imported only when the command runs). Every
browser connection starts its own dashboard process, ``python -m coordinator_tui
DIR``, whose terminal is drawn in the page. Whoever drives the page can send
broadcasts as the coordinator, so the page answers only a browser that opened the
URL printed at start (a random token), through loopback or ``--public-url``
(``tui/serve.py`` says how); it listens on loopback unless ``--public`` says
otherwise, and then says so. ``--read-only`` serves a dashboard with no key that
writes, for a wall display.
"""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import shlex
import sys
from pathlib import Path
from typing import Any

from coordinator_tui.commands.arguments import between
from coordinator_tui.commands.common import CommandError, fail
from coordinator_tui.files.locate import DirectoryNotFound, resolve_directory
from coordinator_tui.render.sanitize import display
from coordinator_tui.settings import Settings

INSTALL_HINT = "pip install 'coordinator-tui[web]'"


def add_parser(subparsers: Any) -> None:
    """Register ``serve`` with an argparse-style ``add_parser(name, **kwargs)`` registry."""
    parser = subparsers.add_parser(
        "serve",
        help="the dashboard in a web browser",
        description="Serve the dashboard to web browsers (needs the 'web' extra). "
        "Anyone who reaches the port controls the dashboard: loopback only unless --public.",
    )
    parser.add_argument("dirs", nargs="*", metavar="DIR", help="coordination directory")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port",
        type=between(int, 1, 65535, "a port"),
        default=8000,
        help="TCP port to listen on (default: 8000)",
    )
    parser.add_argument(
        "--public",
        action="store_true",
        help="allow a non-loopback --host (anyone who reaches it controls the dashboard)",
    )
    parser.add_argument(
        "--public-url",
        default=None,
        metavar="URL",
        help="the address browsers use, when not http://HOST:PORT (a proxy, 0.0.0.0); "
        "only it and loopback names are answered",
    )
    parser.add_argument("--poll", action="store_true", help="dashboards poll (network disks)")
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="no key that writes (broadcast, message, report): a wall display",
    )


def is_wildcard(host: str) -> bool:
    """Whether ``host`` means every address (no browser can use it as a name)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return host == ""


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def dashboard_command(dirs: list[Path], poll: bool, read_only: bool = False) -> str:
    """The shell command textual-serve runs per connection (quoted: DIR may hold spaces)."""
    words = [sys.executable, "-m", "coordinator_tui", *(str(path) for path in dirs)]
    words += ["--poll"] if poll else []
    return shlex.join(words + (["--read-only"] if read_only else []))


def _web_extra_installed() -> bool:
    try:
        return importlib.util.find_spec("textual_serve") is not None
    except ValueError:  # in sys.modules as None: blocked
        return False


def _directories(args: argparse.Namespace) -> list[Path]:
    try:
        return [resolve_directory(name) for name in (args.dirs or [None])]
    except DirectoryNotFound as error:
        raise CommandError(str(error), code=2) from None


def main(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if not is_loopback(args.host) and not args.public:
            raise CommandError(
                f"refusing to listen on {display(args.host)} without --public: anyone who "
                "reaches that address would control the dashboard",
                code=2,
            )
        if is_wildcard(args.host) and not args.public_url:
            raise CommandError(
                f"listening on {display(args.host)} needs --public-url (the address browsers "
                "use): only it and loopback names are answered",
                code=2,
            )
        dirs = [path.resolve() for path in _directories(args)]
        if not _web_extra_installed():
            raise CommandError(f"serve needs the web extra: {INSTALL_HINT}", code=2)
    except CommandError as error:
        return fail(error)
    if args.public:
        print(
            f"coordinator-tui serve: listening on {display(args.host)}:{args.port} — anyone "
            "who reaches this port controls the dashboard (and can write to the directory)",
            file=sys.stderr,
        )
    from coordinator_tui.tui.serve import (
        WebExtraMissing,
        access_for,
        default_public_url,
        serve_dashboard,
    )

    access = access_for(args.port, args.public_url or default_public_url(args.host, args.port))
    command = dashboard_command(dirs, args.poll, args.read_only)
    try:
        serve_dashboard(command, args.host, args.port, access)
    except WebExtraMissing:
        return fail(CommandError(f"serve needs the web extra: {INSTALL_HINT}", code=2))
    return 0
