"""The command line: operator mistakes get one paragraph and exit 2; database maintenance works."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DISCORD_TOKEN", "TIMEZONE", "DATABASE_PATH", "GUILD_ID", "DEFAULT_LANGUAGE", "PLATFORM",
                 "MATRIX_HOMESERVER", "MATRIX_USER_ID", "MATRIX_ACCESS_TOKEN", "MATRIX_SPACE"):
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


MATRIX_OK = {"MATRIX_HOMESERVER": "http://127.0.0.1:8008", "MATRIX_USER_ID": "@bot:example.org",
             "MATRIX_ACCESS_TOKEN": "syt_Ym90_abcdef", "MATRIX_SPACE": "!space:example.org"}


@pytest.mark.parametrize("missing", sorted(MATRIX_OK))
def test_run_on_matrix_names_a_missing_setting(monkeypatch: pytest.MonkeyPatch, capsys, missing: str) -> None:
    for name, value in MATRIX_OK.items():
        if name != missing:
            monkeypatch.setenv(name, value)
    assert main(["run", "--platform", "matrix"]) == 2
    err = capsys.readouterr().err
    assert f"the setting {missing} is not set" in " ".join(err.split())
    assert "section \"Matrix\"" in " ".join(err.split())
    assert "Traceback" not in err


@pytest.mark.parametrize(("name", "value"), [("MATRIX_HOMESERVER", "matrix.example.org"),
                                             ("MATRIX_USER_ID", "bot"), ("MATRIX_SPACE", "space"),
                                             ("MATRIX_ACCESS_TOKEN", "two words")])
def test_run_on_matrix_names_a_malformed_setting(monkeypatch: pytest.MonkeyPatch, capsys, name: str,
                                                 value: str) -> None:
    monkeypatch.setenv("PLATFORM", "matrix")  # the setting instead of --platform
    for key, good in MATRIX_OK.items():
        monkeypatch.setenv(key, value if key == name else good)
    assert main(["run"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"the setting {name}" in err and "Traceback" not in err


def test_an_unknown_platform_is_named(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("PLATFORM", "irc")
    assert main(["run"]) == 2
    assert "PLATFORM" in capsys.readouterr().err


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


# ----- next to the running bot, and --db everywhere -------------------------------------------------
async def test_backup_and_check_work_next_to_the_running_bot(tmp_path: Path, capsys, catalogs) -> None:
    """The README runs them from a daily timer while the bot runs: they must not be refused."""
    import asyncio

    from bot.simulator import Simulator
    from tests.conftest import START

    path = tmp_path / "data" / "bot.db"
    backup = tmp_path / "backups" / "daily.sqlite3"
    async with Simulator.running(path, start=START, catalogs=catalogs) as sim:
        await sim.join("Amal")
        await sim.slash("Amal", "/language")
        await sim.pick("Amal", ["fa"])
        assert await asyncio.to_thread(main, ["db", "backup", str(backup), "--db", str(path)]) == 0
        assert await asyncio.to_thread(main, ["db", "check", "--db", str(path)]) == 0
        out = capsys.readouterr().out
        assert "backup written and verified" in out and "ok: integrity check passed" in out
        # The bot goes on writing, and still has the database to itself for what needs it.
        await sim.slash("Amal", "/language")
        await sim.pick("Amal", ["uk"])
        assert await sim.running_bot.services.prefs.language(sim.member("Amal").id) == "uk"
        assert await asyncio.to_thread(main, ["db", "migrate", "--db", str(path)]) == 2
        assert "another bot process" in capsys.readouterr().err
    import sqlite3

    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("SELECT language FROM member_prefs").fetchone()[0] == "fa"
    finally:
        copy.close()


def test_check_of_a_missing_database_says_so_and_creates_nothing(tmp_path: Path, capsys) -> None:
    assert main(["db", "check", "--db", str(tmp_path / "typo.db")]) == 2
    assert "no database at" in capsys.readouterr().err
    assert not (tmp_path / "typo.db").exists()


@pytest.mark.parametrize("command", [["console"], ["run"], ["db", "migrate"], ["faq", "status"]])
def test_a_db_path_that_cannot_be_written_is_explained_not_a_traceback(
    tmp_path: Path, capsys, command: list[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    code = main([*command, "--db", str(blocker / "bot.db")])
    err = capsys.readouterr().err
    assert code == 2
    assert "--db" in err and "cannot create the folder" in err and "Traceback" not in err


def test_console_in_a_folder_without_write_permission_is_explained(
        tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    if os.geteuid() == 0:  # root may write anywhere: ask the folder's mode bits, as for another user
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda path, mode, **kw: (
            not (mode & os.W_OK) if Path(path) == locked else real_access(path, mode, **kw)))
    try:
        assert main(["console", "--db", str(locked / "bot.db")]) == 2
        assert "not writable by this user" in capsys.readouterr().err
    finally:
        locked.chmod(0o755)


def test_faq_export_and_import_take_db_like_the_other_commands(tmp_path: Path, capsys) -> None:
    db = tmp_path / "elsewhere" / "bot.db"
    out = tmp_path / "faq.yaml"
    assert main(["db", "migrate", "--db", str(db)]) == 0
    assert main(["faq", "export", "--format", "yaml", "--out", str(out), "--db", str(db)]) == 0
    assert "entries to" in capsys.readouterr().out
    assert main(["faq", "import", str(out), "--db", str(db)]) == 0
    assert "imported faq.yaml" in capsys.readouterr().out
    assert main(["faq", "--db", str(db), "status"]) == 0  # before the subcommand too
    assert not (tmp_path / "data").exists()  # DATABASE_PATH's default was never touched
