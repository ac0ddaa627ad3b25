"""The FAQ on a real homeserver: a member chooses Tigrinya with `!language`, the bot restarts, and her
question written in Tigrinya is answered in Tigrinya in her direct room."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.languages import LANGUAGES
from tests.matrix.adapter import running_bot
from tests.matrix.conftest import MatrixCommunity
from tests.matrix.features import dm_of, next_body, number_of

pytestmark = pytest.mark.matrix


async def test_a_question_in_tigrinya_is_answered_in_tigrinya_after_a_restart(
        matrix: MatrixCommunity, tmp_path: Path) -> None:
    bot_user = matrix.bot.user_id
    tesfay = await matrix.member("tesfay")
    welcome = matrix.room("welcome")
    async with running_bot(matrix, tmp_path / "bot.db", features=True, language="sv") as runner:
        await tesfay.send(welcome, "!language")
        dm = await dm_of(tesfay, bot_user)
        picker = await next_body(tesfay, dm, bot_user)
        await tesfay.send(dm, number_of(picker, LANGUAGES["ti"].native_name))
        await next_body(tesfay, dm, bot_user, containing="ትግርኛ")

        await runner.restart()
        await tesfay.send(welcome, '!faq search query:"ቁጽሪ ምውህሃድ እንታይ እዩ?"')
        answer = await next_body(tesfay, dm, bot_user)
        assert "samordningsnummer" in answer
        assert "Skatteverket እዩ ዝህቦ" in answer  # the Tigrinya answer, not the Swedish one
        assert "Det ges ut av Skatteverket" not in answer
