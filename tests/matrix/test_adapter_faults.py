"""Faults injected at the bot's HTTP session (an aiohttp wrapper) on a real Synapse: 5xx answers,
timeouts before and after the homeserver got the request, a rate-limit answer, a failing sync."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bot.core.conversation import Delivery, Message, UserRef
from bot.core.places import WELCOME
from tests.matrix.adapter import FaultySession, direct_room_of, running_bot
from tests.matrix.conftest import MatrixCommunity

SEND = r"/rooms/[^/]+/send/m\.room\.message/"


async def _texts(member, room: str, bot_user: str, count: int) -> list[str]:
    return [await member.next_text(room, sender=bot_user) for _ in range(count)]


async def test_5xx_answers_are_retried_and_the_message_arrives_once(matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    faulty = FaultySession(aiohttp.ClientSession())
    async with running_bot(matrix, tmp_path / "bot.db", session=faulty) as runner:
        bot = runner.bot
        fault = faulty.inject("PUT", SEND, 502, times=2)
        ref = await bot.conversation.post(bot.community, WELCOME, Message.of("After two 502s"))
        assert ref is not None and fault.hits == 2
        await bot.conversation.post(bot.community, WELCOME, Message.of("Marker"))
        assert await _texts(amal, matrix.room("welcome"), matrix.bot.user_id, 2) == ["After two 502s", "Marker"]
    await faulty.close()


async def test_a_timeout_after_the_homeserver_got_the_send_does_not_duplicate_it(
        matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    faulty = FaultySession(aiohttp.ClientSession())
    async with running_bot(matrix, tmp_path / "bot.db", session=faulty) as runner:
        bot = runner.bot
        lost = faulty.inject("PUT", SEND, -1)     # sent, the answer lost
        before = faulty.inject("PUT", SEND, 0)    # then a timeout before it reached the server
        ref = await bot.conversation.post(bot.community, WELCOME, Message.of("Exactly once"), key="job:42")
        assert ref is not None and lost.hits == 1 and before.hits == 1
        await bot.conversation.post(bot.community, WELCOME, Message.of("Marker"))
        assert await _texts(amal, matrix.room("welcome"), matrix.bot.user_id, 2) == ["Exactly once", "Marker"]
    await faulty.close()


async def test_a_homeserver_that_keeps_failing_gives_failed_not_a_crash(
        matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    faulty = FaultySession(aiohttp.ClientSession())
    async with running_bot(matrix, tmp_path / "bot.db", session=faulty) as runner:
        bot = runner.bot
        faulty.inject("PUT", SEND, 503, times=100)
        assert await bot.conversation.post(bot.community, WELCOME, Message.of("Lost")) is None
        assert await bot.conversation.notify(bot.community, WELCOME, Message.of("Lost")) is Delivery.FAILED
        faulty.faults.clear()
        # Creating a room is not repeated after a 5xx (it may have happened): FAILED, and the next try works.
        faulty.inject("POST", r"/createRoom$", 500)
        amal_ref = UserRef.of(await bot.local_user(amal.user_id))
        assert await bot.conversation.direct(amal_ref, Message.of("Hello")) is Delivery.FAILED
        assert await bot.conversation.direct(amal_ref, Message.of("Hello")) is Delivery.SENT
        room = await direct_room_of(amal, matrix.bot.user_id)
        texts = await _texts(amal, room, matrix.bot.user_id, 2)
    assert texts[1] == "Hello"
    assert len(await amal.joined_rooms()) == 3  # one direct room, not two
    await faulty.close()


async def test_a_rate_limit_answer_is_waited_out(matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    faulty = FaultySession(aiohttp.ClientSession())
    async with running_bot(matrix, tmp_path / "bot.db", session=faulty) as runner:
        bot = runner.bot
        limited = faulty.inject("PUT", SEND, 429, times=2,
                                body={"errcode": "M_LIMIT_EXCEEDED", "error": "Too many", "retry_after_ms": 200})
        ref = await bot.conversation.post(bot.community, WELCOME, Message.of("Patient"))
        assert ref is not None and limited.hits == 2 and bot.api.rate_limited == 2
        assert await amal.next_text(matrix.room("welcome"), sender=matrix.bot.user_id) == "Patient"
    await faulty.close()


async def test_commands_are_answered_after_the_sync_failed_for_a_while(matrix: MatrixCommunity, tmp_path: Path) -> None:
    amal = await matrix.member("amal")
    faulty = FaultySession(aiohttp.ClientSession())
    timeouts = faulty.inject("GET", r"/sync$", 0, times=2)
    errors = faulty.inject("GET", r"/sync$", 500, times=5)
    async with running_bot(matrix, tmp_path / "bot.db", session=faulty):
        assert timeouts.hits == 2 and errors.hits == 5  # ready only once a sync went through
        await amal.send(matrix.room("welcome"), "!echo still here")
        room = await direct_room_of(amal, matrix.bot.user_id)
        texts = await _texts(amal, room, matrix.bot.user_id, 2)
        assert texts[1] == "echo: still here"
    await faulty.close()
