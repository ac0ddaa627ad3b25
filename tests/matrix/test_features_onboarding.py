"""The welcome on a real homeserver: a newcomer joins the space, is greeted in the welcome room, picks
Arabic and answers the welcome's steps in her direct room, across a restart of the bot."""

from __future__ import annotations

import asyncio
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
        # The labels come with the welcome's settle, which may finish just after the last step's answer.
        for _ in range(600):
            if "lang-ar" in await runner.bot.store.labels(local, runner.bot.community):
                break
            await asyncio.sleep(0.05)
        assert "lang-ar" in await runner.bot.store.labels(local, runner.bot.community)


async def test_a_newcomer_who_joined_while_the_bot_was_down_is_greeted_once_when_it_is_back(
        matrix: MatrixCommunity, tmp_path: Path) -> None:
    from tests.matrix.conftest import MemberClient, unique

    bot_user = matrix.bot.user_id
    welcome = matrix.room("welcome")
    async with running_bot(matrix, tmp_path / "bot.db", features=True, language="sv") as runner:
        await runner.stop()
        account = await matrix.admin.register(unique("hodan"), displayname="Hodan")
        await matrix.admin.exempt_from_rate_limits(account.user_id)
        hodan = MemberClient(matrix.url, account, matrix.session)
        await hodan.sync()
        await hodan.join(matrix.community.space_id)  # while the bot is away
        await hodan.join(welcome)
        matrix.members.append(hodan)
        await runner.start()
        await runner.advance(timedelta(seconds=10))  # the greeting gathers joins for a few seconds
        greeting = await next_body(hodan, welcome, bot_user)
        assert hodan.user_id in greeting

        await runner.restart()  # she is a known member now: not greeted again
        await runner.advance(timedelta(seconds=10))
        marker = await matrix.member("olga")
        await runner.advance(timedelta(seconds=10))
        again = await next_body(hodan, welcome, bot_user)
        assert marker.user_id in again and hodan.user_id not in again
