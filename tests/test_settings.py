from __future__ import annotations

from pathlib import Path

import pytest

from coordinator_tui.settings import SettingsError, load_settings


def test_defaults() -> None:
    settings = load_settings({}, environ={})
    assert settings.stale_after_s == 600 and settings.gone_after_s == 7200


def test_file_then_environment_then_overrides(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("stale_after_s = 120\ngone_after_s = 900\noverlap_threshold = 0.8\n")
    env = {"COORDINATOR_TUI_CONFIG": str(config), "COORDINATOR_TUI_GONE_AFTER_S": "1800"}
    settings = load_settings({"overlap_threshold": 0.5}, environ=env)
    assert (settings.stale_after_s, settings.gone_after_s, settings.overlap_threshold) == (
        120,
        1800,
        0.5,
    )


def test_placeholders_from_environment_text() -> None:
    settings = load_settings({}, environ={"COORDINATOR_TUI_PLACEHOLDERS": "booting, waiting"})
    assert settings.placeholders == ("booting", "waiting")


@pytest.mark.parametrize(
    "env",
    [
        {"COORDINATOR_TUI_STALE_AFTER_S": "soon"},
        {"COORDINATOR_TUI_STALE_AFTER_S": "9000"},  # not below gone_after_s
    ],
)
def test_invalid_settings_say_which(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        load_settings({}, environ=env)


def test_broken_config_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("stale_after_s = [")
    with pytest.raises(SettingsError, match=r"config\.toml"):
        load_settings({}, environ={"COORDINATOR_TUI_CONFIG": str(config)})
