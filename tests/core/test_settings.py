"""Settings are read once, validated, and every problem names its setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.settings import SettingsError, load_settings, validate_token

TOKEN = "MTEwMDAwMDAwMDAwMDAwMDAx.GabcDE.abcdefghijklmnopqrstuvwxyz012345"


def test_defaults_are_norsjo_time_swedish_and_a_database_under_data(tmp_path: Path) -> None:
    settings = load_settings({}, dotenv=None, check_database=False)
    assert settings.timezone == "Europe/Stockholm"
    assert settings.default_language == "sv"
    assert settings.database_path == Path("data/multinations.sqlite3")
    assert settings.retention_days_after_leave == 30
    assert settings.mentoring_retention_days == 365


def test_dotenv_values_are_defaults_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text('# comment\nDEFAULT_LANGUAGE="en"\nGRACE_MINUTES=15\nexport LOG_LEVEL=debug\n')
    settings = load_settings({"GRACE_MINUTES": "5"}, dotenv=env_file, check_database=False)
    assert settings.default_language == "en"
    assert settings.grace_minutes == 5
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"TIMEZONE": "Europe/Norsjo"}, "TIMEZONE"),
        ({"DEFAULT_LANGUAGE": "ru"}, "DEFAULT_LANGUAGE"),
        ({"GUILD_ID": "norsjo"}, "GUILD_ID"),
        ({"ORGANIZER_ROLE_ID": "12"}, "ORGANIZER_ROLE_ID"),
        ({"GRACE_MINUTES": "soon"}, "GRACE_MINUTES"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"RETENTION_DAYS_AFTER_LEAVE": "0"}, "RETENTION_DAYS_AFTER_LEAVE"),
        ({"RETENTION_DAYS_AFTER_LEAVE": "99999999"}, "RETENTION_DAYS_AFTER_LEAVE"),
        ({"MENTORING_RETENTION_DAYS": "a year"}, "MENTORING_RETENTION_DAYS"),
        ({"MENTORING_RETENTION_DAYS": "-365"}, "MENTORING_RETENTION_DAYS"),
        ({"MENTORING_RETENTION_DAYS": "99999999"}, "MENTORING_RETENTION_DAYS"),
    ],
)
def test_invalid_settings_name_the_setting(env: dict[str, str], setting: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(env, dotenv=None, check_database=False)
    assert caught.value.setting == setting


def test_retention_periods_are_read_in_days() -> None:
    settings = load_settings({"RETENTION_DAYS_AFTER_LEAVE": "14", "MENTORING_RETENTION_DAYS": "180"},
                             dotenv=None, check_database=False)
    assert settings.retention_days_after_leave == 14
    assert settings.mentoring_retention_days == 180


def test_a_mentoring_retention_shorter_than_the_check_ins_is_refused_with_the_reason() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"MENTORING_RETENTION_DAYS": "30"}, dotenv=None, check_database=False)
    assert caught.value.setting == "MENTORING_RETENTION_DAYS"
    assert "at least 90" in caught.value.message and "check-in" in caught.value.message


def test_role_ids_are_read_as_numbers() -> None:
    settings = load_settings({"VOLUNTEER_ROLE_ID": "123456789012345678"}, dotenv=None, check_database=False)
    assert settings.roles.volunteer == 123456789012345678
    assert settings.roles.organizer is None


def test_an_unusable_database_path_is_refused(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    with pytest.raises(SettingsError) as caught:
        load_settings({"DATABASE_PATH": str(not_a_folder / "sub" / "bot.db")}, dotenv=None)
    assert caught.value.setting == "DATABASE_PATH"


def test_a_missing_database_folder_is_created(tmp_path: Path) -> None:
    settings = load_settings({"DATABASE_PATH": str(tmp_path / "new" / "bot.db")}, dotenv=None)
    assert (tmp_path / "new").is_dir()
    assert settings.database_path == tmp_path / "new" / "bot.db"


def test_token_validation() -> None:
    assert validate_token(TOKEN) == TOKEN
    for bad in (None, "", "not-a-token", "a.b.c"):
        with pytest.raises(SettingsError) as caught:
            validate_token(bad)
        assert caught.value.setting == "DISCORD_TOKEN"
