"""The welcome on a real homeserver: a newcomer joins the space, is greeted in the welcome room, picks
Arabic and answers the welcome's steps in her direct room, across a restart of the bot."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.languages import LANGUAGES
from tests.matrix.adapter import running_bot
from tests.matrix.conftest import MatrixCommunity
from tests.matrix.features import dm_of, newcomer, next_body, number_of

pytestmark = pytest.mark.matrix


async def test_a_newcomer_is_greeted_picks_arabic_and_answers_the_welcome_across_a_restart(
        matrix: MatrixCommunity, tmp_path: Path) -> None:
    bot_user = matrix.bot.user_id
    async with running_bot(matrix, tmp_path / "bot.db", features=True, language="sv") as runner:
        amal = await newcomer(matrix, runner, "amal")
        welcome = matrix.room("welcome")
        await runner.advance(timedelta(seconds=10))  # the greeting gathers joins for a few seconds
        greeting = await next_body(amal, welcome, bot_user)
        assert amal.user_id in greeting

        await amal.send(welcome, "!welcome start")
        dm = await dm_of(amal, bot_user)
        languages = await next_body(amal, dm, bot_user)
        await amal.send(dm, number_of(languages, LANGUAGES["ar"].native_name))
        consent = await next_body(amal, dm, bot_user, containing="خصوصيتك")  # the privacy notice, in Arabic
        ar = runner.services.translator("ar")

        await runner.restart()  # the open step survives: her next answer continues it
        await amal.send(dm, number_of(consent, ar._("Yes, store my answers")))
        topics = await next_body(amal, dm, bot_user)
        await amal.send(dm, number_of(topics, ar._("Skip")))
        area = await next_body(amal, dm, bot_user, containing="اختياري")  # the area question, in Arabic
        await amal.send(dm, number_of(area, ar._("Skip")))
        mentor = await next_body(amal, dm, bot_user)
        await amal.send(dm, number_of(mentor, ar._("Not now")))
        done = await next_body(amal, dm, bot_user, containing="خطواتك الأولى")
        assert ar._("Answer with a number, or react with it.") in done  # how to answer, in her language too

        local = await runner.bot.local_user(amal.user_id)
        assert await runner.services.prefs.language(local) == "ar"
        assert "lang-ar" in await runner.bot.store.labels(local, runner.bot.community)
