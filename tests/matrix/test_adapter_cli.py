"""`multinations-bot run --platform matrix` against a real Synapse: a refused token, a token of another
user and a space the bot cannot join end with one paragraph and exit status 2, before anything runs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from tests.matrix.conftest import MatrixCommunity


@pytest.fixture
def no_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("PLATFORM", "DISCORD_TOKEN", "DATABASE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(("setting", "change", "said"), [
    ("MATRIX_ACCESS_TOKEN", "syt_not_a_real_token", "was refused by the homeserver"),
    ("MATRIX_USER_ID", "@somebody:localhost", "the access token belongs to"),
    ("MATRIX_SPACE", "!nowhere:localhost", "is not a space the bot can join"),
    ("MATRIX_HOMESERVER", "http://127.0.0.1:9", "could not be reached"),
])
async def test_a_wrong_matrix_setting_exits_2_with_one_paragraph(
        matrix: MatrixCommunity, monkeypatch: pytest.MonkeyPatch, capsys, no_dotenv: None, tmp_path: Path,
        setting: str, change: str, said: str) -> None:
    for name, value in matrix.settings().items():
        monkeypatch.setenv(name, change if name == setting else value)
    code = await asyncio.to_thread(main, ["run", "--platform", "matrix", "--db", str(tmp_path / "bot.db")])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2
    assert f"the setting {setting}" in err and said in err
    assert "Traceback" not in err
