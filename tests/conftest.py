"""Shared fixtures. An autouse fixture keeps the developer's config and environment out."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.collective import NOW, build_collective


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    config_home = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
    monkeypatch.delenv("COORDINATOR_TUI_CONFIG", raising=False)
    monkeypatch.delenv("COORDINATOR_DIR", raising=False)
    import os

    for name in list(os.environ):
        if name.startswith("COORDINATOR_TUI_"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def collective(tmp_path: Path) -> Path:
    """A fresh copy of the standard fixture directory."""
    return build_collective(tmp_path / "coordination")


@pytest.fixture
def now():
    return NOW
