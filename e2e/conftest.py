"""The e2e suite runs only where nothing but loopback exists (``make e2e`` puts it in a
network namespace of its own), with the agents' CLIs installed by ``make e2e``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import AGENTS, AGENTS_BIN, Agent, World, snapshot_of
from mock_api import MockAPI


def _only_loopback() -> bool:
    """``/proc/net/dev`` lists this network namespace's interfaces (``/sys`` may not)."""
    try:
        with open("/proc/net/dev") as handle:
            lines = handle.read().splitlines()[2:]
    except OSError:
        return False
    return [line.split(":")[0].strip() for line in lines] == ["lo"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = None
    if not _only_loopback():
        reason = "the e2e suite runs only in a network namespace with loopback alone: make e2e"
    elif not AGENTS_BIN.is_dir():
        reason = f"the agents' CLIs are not installed in {AGENTS_BIN}: make e2e"
    if reason:
        for item in items:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


@pytest.fixture
def api(world: World) -> Iterator[MockAPI]:
    mock = MockAPI(on_main_request=lambda: snapshot_of(world))
    mock.start()
    yield mock
    mock.stop()
    with open(world.base / "requests.json", "w") as handle:  # for a failure's post-mortem
        json.dump([(r.path, r.body) for r in mock.requests], handle, indent=1)


@pytest.fixture
def make_agent(world: World, api: MockAPI):  # type: ignore[no-untyped-def]
    def make(name: str) -> Agent:
        assert api.server is not None
        return AGENTS[name](world, api, f"http://127.0.0.1:{api.server.server_address[1]}")

    return make


@pytest.fixture(params=sorted(AGENTS))
def agent(request: pytest.FixtureRequest, make_agent) -> Agent:  # type: ignore[no-untyped-def]
    """Each agent's CLI in turn, set up in the test's world (hooks not yet installed)."""
    return make_agent(request.param)  # type: ignore[no-any-return]
