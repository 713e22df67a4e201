"""The settings: one pydantic-settings object from defaults < config file < environment <
command line, whose errors say in one line which setting, why and where the value came from."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from coordinator_tui.files.config_file import config_file, user_config_folder
from coordinator_tui.settings import Settings, SettingsError, load_settings


def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(text)
    monkeypatch.setenv("COORDINATOR_TUI_CONFIG", str(config))
    return config


def test_defaults() -> None:
    settings = load_settings({})
    assert settings.stale_after_s == 600 and settings.gone_after_s == 7200
    assert settings == Settings()


def test_file_then_environment_then_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "stale_after_s = 120\ngone_after_s = 900\noverlap_threshold = 0.8\n"
    _config(tmp_path, monkeypatch, text)
    monkeypatch.setenv("COORDINATOR_TUI_GONE_AFTER_S", "1800")
    settings = load_settings({"overlap_threshold": 0.5, "stale_after_s": None})
    assert (settings.stale_after_s, settings.gone_after_s, settings.overlap_threshold) == (
        120,
        1800,
        0.5,
    )


def test_the_default_file_is_in_the_user_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``$XDG_CONFIG_HOME/coordinator-tui/config.toml`` (the autouse fixture points
    ``XDG_CONFIG_HOME`` at a fresh folder), a ``[coordinator-tui]`` table or the top level."""
    path, named = config_file()
    assert not named
    Path(path).parent.mkdir(parents=True)
    Path(path).write_text("[coordinator-tui]\nstale_after_s = 30\n")
    assert load_settings({}).stale_after_s == 30


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the rule written out is Linux's")
@pytest.mark.parametrize("xdg", [None, "", "relative/config", "/somewhere/config"])
def test_the_config_folder_is_the_one_platformdirs_names(
    monkeypatch: pytest.MonkeyPatch, xdg: str | None
) -> None:
    import platformdirs

    if xdg is None:
        monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
    assert user_config_folder() == platformdirs.user_config_dir("coordinator-tui", appauthor=False)


def test_placeholders_from_environment_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COORDINATOR_TUI_PLACEHOLDERS", "booting, waiting")
    assert load_settings({}).placeholders == ("booting", "waiting")


def test_broken_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _config(tmp_path, monkeypatch, "stale_after_s = [")
    with pytest.raises(SettingsError, match=r"config\.toml"):
        load_settings({})


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"stale_after_s": "soon"}, "stale_after_s must be a number (got 'soon' from --x)"),
        ({"stale_after_s": True}, "stale_after_s must be a number (got True from --x)"),
        ({"stale_after_s": "inf"}, "stale_after_s must be a finite number (got 'inf' from --x)"),
        ({"stale_after_s": 10**400}, "stale_after_s must be a finite number (got 1000"),
        ({"gone_after_s": {"a": 1}}, "gone_after_s must be a number (from --x)"),
        ({"overlap_threshold": -0.5}, "overlap_threshold must be at least 0 (got -0.5 from --x)"),
        ({"history_limit": 5.5}, "history_limit must be a whole number (got 5.5 from --x)"),
        ({"history_limit": True}, "history_limit must be a whole number (got True from --x)"),
        ({"history_limit": "many"}, "history_limit must be a whole number (got 'many' from --x)"),
        ({"max_file_bytes": 0}, "max_file_bytes must be greater than 0 (got 0 from --x)"),
        ({"placeholders": ["idle", 3]}, "placeholders must be a list of words"),
    ],
)
def test_wrong_values_are_said_in_plain_words(values: dict[str, object], expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(values, dict.fromkeys(values, "--x"))
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)


def test_each_source_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _config(tmp_path, monkeypatch, "stale_after_s = nan\n")
    with pytest.raises(SettingsError) as caught:
        load_settings({})
    assert str(caught.value) == f"stale_after_s must be a finite number (got nan from {config})"
    monkeypatch.setenv("COORDINATOR_TUI_STALE_AFTER_S", "soon")  # the environment wins
    with pytest.raises(SettingsError) as caught:
        load_settings({})
    assert str(caught.value) == (
        "stale_after_s must be a number (got 'soon' from COORDINATOR_TUI_STALE_AFTER_S)"
    )
    with pytest.raises(SettingsError) as caught:
        load_settings({"stale_after_s": 8000.0}, {"stale_after_s": "--stale-after"})
    assert str(caught.value) == (
        "gone_after_s must be greater than stale_after_s "
        "(gone_after_s 7200 by default, stale_after_s 8000 from --stale-after)"
    )


def test_values_are_coerced_where_the_meaning_is_clear() -> None:
    settings = load_settings(
        {"history_limit": 50.0, "stale_after_s": " 120 ", "gone_statuses": ["done"]}
    )
    assert settings.history_limit == 50 and isinstance(settings.history_limit, int)
    assert settings.stale_after_s == 120.0 and isinstance(settings.stale_after_s, float)
    assert settings.gone_statuses == ("done",)


def test_an_unknown_setting_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = _config(tmp_path, monkeypatch, "stale_afterr_s = 5\n")
    with pytest.raises(SettingsError) as caught:
        load_settings({})
    assert str(caught.value) == f"stale_afterr_s is not a setting (in {config})"


def test_an_unknown_variable_is_not_a_setting_but_not_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COORDINATOR_TUI_STALE_AFTERR_S", "5")
    assert load_settings({}) == Settings()


def test_settings_are_frozen_and_a_copy_is_checked_again() -> None:
    settings = load_settings({})
    with pytest.raises(ValidationError, match="frozen"):
        settings.stale_after_s = 5  # type: ignore[misc]
    assert settings.updated(stale_after_s=30).stale_after_s == 30
    assert settings.stale_after_s == 600
    with pytest.raises(SettingsError, match="greater than stale_after_s"):
        settings.updated(stale_after_s=9000)


def test_a_copy_does_not_read_the_environment_again(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(stale_after_s=60)
    monkeypatch.setenv("COORDINATOR_TUI_GONE_AFTER_S", "900")
    assert settings.updated(history_limit=5).gone_after_s == 7200


def test_every_setting_has_a_description() -> None:
    """Its docstring, which the JSON Schema and ``docs/configuration.md`` show."""
    properties = Settings.model_json_schema()["properties"]
    assert properties.keys() == Settings.model_fields.keys()
    for name, spec in properties.items():
        assert len(spec.get("description", "")) > 20, name
    assert properties["finishing_within_s"]["description"] == (
        "A session whose current work is predicted to end within this gets its next "
        "suggestion early (seconds)."
    )
