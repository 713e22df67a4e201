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


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"stale_after_s": "soon"}, "stale_after_s must be a number (got 'soon')"),
        ({"stale_after_s": True}, "stale_after_s must be a number (got True)"),
        ({"stale_after_s": "inf"}, "stale_after_s must be a finite number (got 'inf')"),
        ({"stale_after_s": 10**400}, "stale_after_s must be a finite number"),
        ({"gone_after_s": {"a": 1}}, "gone_after_s must be a number"),
        ({"overlap_threshold": -0.5}, "overlap_threshold must be at least 0 (got -0.5)"),
        ({"history_limit": 5.5}, "history_limit must be a whole number (got 5.5)"),
        ({"history_limit": "many"}, "history_limit must be a whole number (got 'many')"),
        ({"max_file_bytes": 0}, "max_file_bytes must be greater than 0 (got 0)"),
        ({"placeholders": ["idle", 3]}, "placeholders must be a list of words"),
    ],
)
def test_wrong_values_are_said_in_plain_words(values: dict[str, object], expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(values, environ={})
    assert str(caught.value).startswith(expected)


def test_values_are_coerced_where_the_meaning_is_clear() -> None:
    settings = load_settings(
        {"history_limit": 50.0, "stale_after_s": " 120 ", "gone_statuses": ["done"]}, environ={}
    )
    assert settings.history_limit == 50 and isinstance(settings.history_limit, int)
    assert settings.stale_after_s == 120.0 and isinstance(settings.stale_after_s, float)
    assert settings.gone_statuses == ("done",)


def test_an_unknown_setting_is_named(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("stale_afterr_s = 5\n")
    with pytest.raises(SettingsError, match=r"^stale_afterr_s is not a setting$"):
        load_settings({}, environ={"COORDINATOR_TUI_CONFIG": str(config)})


def test_settings_are_frozen_and_a_copy_is_checked_again() -> None:
    settings = load_settings({}, environ={})
    with pytest.raises(AttributeError):
        settings.stale_after_s = 5  # type: ignore[misc]
    assert settings.updated(stale_after_s=30).stale_after_s == 30
    with pytest.raises(SettingsError, match="greater than stale_after_s"):
        settings.updated(stale_after_s=9000)
