"""The Textual app: wiring only. The dashboard screen owns the data flow.

``create_app`` is the one factory shared by the command line, ``demo`` and the
tests; ``main`` is what ``coordinator-tui [DIR …]`` calls: one directory or several,
one screen either way.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual.app import App

from coordinator_tui.clock import Clock, frozen_clock, system_clock
from coordinator_tui.collectives.names import collectives
from coordinator_tui.files.locate import DirectoryNotFound, resolve_directory
from coordinator_tui.settings import Settings
from coordinator_tui.tui.keys import bindings, without_writes
from coordinator_tui.tui.palette import DashboardCommands
from coordinator_tui.tui.screens.dashboard import DashboardScreen, ProblemSource
from coordinator_tui.tui.screens.help import HelpScreen
from coordinator_tui.tui.watcher import DEFAULT_POLL_MS

STYLE_FILES = ("dashboard.tcss", "dialogs.tcss")


class StylesNotFound(FileNotFoundError):
    """The ``.tcss`` files are not installed: a broken install, said in one line at start."""


def styles_folder() -> Path:
    """The styles inside the installed package (wheel), else the repository's ``styles/``.

    Looked up when an app is created, not at import: importing the package (tests,
    ``--help``) must not fail on a broken install.
    """
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "styles", package.parent / "styles"):
        if all((candidate / name).is_file() for name in STYLE_FILES):
            return candidate
    raise StylesNotFound(f"styles ({', '.join(STYLE_FILES)}) not found near {package}")


def shown_path(path: Path) -> str:
    """The directory as the header names it: relative to here or home when shorter."""
    for base, prefix in ((Path.cwd(), ""), (Path.home(), "~/")):
        try:
            return prefix + path.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)


class CoordinatorApp(App[None]):
    """The live dashboard over one coordination directory or several."""

    TITLE = "coordinator-tui"
    COMMANDS = App.COMMANDS | {DashboardCommands}
    BINDINGS: ClassVar = bindings("app")
    read_only = False
    """``--read-only``: no key that writes is bound or offered (``keys.without_writes``)."""

    def __init__(
        self,
        roots: Sequence[Path],
        settings: Settings,
        *,
        clock: Clock,
        compact: bool | None,
        poll_ms: int | None,
        watch: bool,
        problems: ProblemSource | None = None,
        read_only: bool = False,
    ) -> None:
        folder = styles_folder()
        super().__init__(css_path=[str(folder / name) for name in STYLE_FILES])
        self.found = collectives(roots)
        self.read_only = read_only
        screen = without_writes(DashboardScreen) if read_only else DashboardScreen
        self.dashboard = screen(
            self.found, settings, clock, compact, poll_ms, watch, problems=problems
        )

    def on_mount(self) -> None:
        if len(self.found) == 1:
            self.sub_title = shown_path(self.found[0].root)
        else:
            self.sub_title = f"{len(self.found)} collectives"
        self.push_screen(self.dashboard)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())


def create_app(
    root: Path | Sequence[Path],
    settings: Settings | None = None,
    *,
    clock: Clock = system_clock,
    compact: bool | None = None,
    poll_ms: int | None = None,
    watch: bool = True,
    problems: ProblemSource | None = None,
    read_only: bool = False,
) -> CoordinatorApp:
    """The dashboard for ``root`` (or several: a collective each). ``compact=None``
    switches by width (under 100 columns); ``poll_ms`` polls instead of native file
    events; ``watch=False`` reads once; ``problems`` is polled once a second for lines
    to notify (the demo's failed writes); ``read_only`` takes away every key that
    writes (a wall display)."""
    roots = [Path(root)] if isinstance(root, (str, Path)) else [Path(one) for one in root]
    return CoordinatorApp(
        roots,
        settings or Settings(),
        clock=clock,
        compact=compact,
        poll_ms=poll_ms,
        watch=watch,
        problems=problems,
        read_only=read_only,
    )


def run_dashboard(
    root: Path | Sequence[Path],
    settings: Settings,
    *,
    compact: bool = False,
    clock: Clock = system_clock,
    poll_ms: int | None = None,
    problems: ProblemSource | None = None,
    read_only: bool = False,
) -> int:
    """Run the dashboard in this terminal until the user quits (``demo`` uses this, with
    ``problems`` returning its simulation's failed writes not shown yet).

    Exit 1 with one line when the install is broken (no styles).
    """
    try:
        app = create_app(
            root,
            settings,
            clock=clock,
            compact=True if compact else None,
            poll_ms=poll_ms,
            problems=problems,
            read_only=read_only,
        )
    except StylesNotFound as error:
        print(f"coordinator-tui: {error}", file=sys.stderr)
        return 1
    app.run()
    return app.return_code or 0


def main(args: argparse.Namespace, settings: Settings) -> int:
    """``coordinator-tui [DIR …]``: exit 2 with one line when there is no directory to
    watch. Each DIR must name a coordination directory or a path that will become one
    (a directory that is missing now is waited for)."""
    names = getattr(args, "dir", None)
    names = [names] if isinstance(names, str) else list(names or [None])
    now = getattr(args, "now", None)
    clock = frozen_clock(now) if now is not None else system_clock
    poll_ms = getattr(args, "poll_ms", None)
    if poll_ms is None and getattr(args, "poll", False):
        poll_ms = DEFAULT_POLL_MS
    roots = []
    for name in names:
        try:
            root = resolve_directory(name, must_exist=False)
        except DirectoryNotFound as error:
            print(f"coordinator-tui: {error}", file=sys.stderr)
            return 2
        roots.append(root if len(names) == 1 else root.resolve())
    return run_dashboard(
        roots if len(roots) > 1 else roots[0],
        settings,
        compact=bool(getattr(args, "compact", False)),
        clock=clock,
        poll_ms=poll_ms,
        read_only=bool(getattr(args, "read_only", False)),
    )
