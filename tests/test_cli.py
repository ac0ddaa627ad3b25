"""The command line: operator mistakes get one paragraph and exit 2; database maintenance works."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DISCORD_TOKEN", "TIMEZONE", "DATABASE_PATH", "GUILD_ID", "DEFAULT_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env from the checkout


def test_run_without_a_token_explains_what_to_do(capsys) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "DISCORD_TOKEN" in err
    assert ".env.example" in err
    assert "Creating the Discord application" in err
    assert "Traceback" not in err


def test_run_with_a_malformed_token(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "hello")
    assert main(["run"]) == 2
    assert "DISCORD_TOKEN" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "value"), [("TIMEZONE", "Moon/Base"), ("GUILD_ID", "x"), ("DEFAULT_LANGUAGE", "klingon")]
)
def test_invalid_settings_are_named(monkeypatch: pytest.MonkeyPatch, capsys, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    assert main(["run"]) == 2
    assert name in capsys.readouterr().err


def test_db_migrate_backup_and_check(tmp_path: Path, capsys) -> None:
    db = tmp_path / "data" / "bot.db"
    assert main(["db", "migrate", "--db", str(db)]) == 0
    assert db.exists()
    assert main(["db", "backup", str(tmp_path / "backup.db"), "--db", str(db)]) == 0
    assert (tmp_path / "backup.db").exists()
    assert main(["db", "check", "--db", str(tmp_path / "backup.db")]) == 0
    assert "ok" in capsys.readouterr().out


def test_default_database_is_created_under_data(tmp_path: Path) -> None:
    assert main(["db", "migrate"]) == 0
    assert (tmp_path / "data" / "multinations.sqlite3").exists()


def test_i18n_status_lists_every_catalog(capsys) -> None:
    assert main(["i18n", "status"]) == 0
    out = capsys.readouterr().out
    for code in ("sv", "en", "ar", "fa", "so", "ti", "uk", "de", "nl", "hi"):
        assert f"\n{code} " in out
