"""Events on a real homeserver: an organizer plans a weekly event in a dialogue with the bot, the clock is
driven to the announcement's time, the announcement appears once in the announcements room, and a member
answers it with a reaction; the count survives a restart."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core import capabilities
from bot.core.conversation import UserRef
from bot.matrix.conversation import KEYCAPS
from tests.matrix.adapter import running_bot
from tests.matrix.conftest import MatrixCommunity
from tests.matrix.features import dm_of, next_body, number_of

pytestmark = pytest.mark.matrix


async def test_a_weekly_event_is_announced_once_and_rsvped_across_a_restart(
        matrix: MatrixCommunity, tmp_path: Path) -> None:
    bot_user = matrix.bot.user_id
    bertil = await matrix.member("bertil", staff=("organizers",))
    amal = await matrix.member("amal", join=("welcome", "announcements"))
    announcements = matrix.room("announcements")
    async with running_bot(matrix, tmp_path / "bot.db", features=True) as runner:
        await bertil.send(matrix.room("welcome"),
                          '!event create title:"Language café" date:2026-12-03 time:18:00 repeat:weekly')
        dm = await dm_of(bertil, bot_user)
        preview = await next_body(bertil, dm, bot_user, containing="Language café")
        await bertil.send(dm, number_of(preview, "Save"))
        await next_body(bertil, dm, bot_user, containing="event 1")

        await runner.advance(timedelta(days=1, hours=6))  # past the announcement's time, the day before
        post = await amal.next_message(announcements, sender=bot_user, timeout=30)
        body = post["content"]["body"]
        assert "Language café" in body
        going = int(number_of(body, "Going"))
        await runner.restart()
        await runner.advance(timedelta(minutes=1))  # nothing is posted twice after the restart
        await amal.react(announcements, post["event_id"], KEYCAPS[going - 1])
        answer = await next_body(amal, await dm_of(amal, bot_user), bot_user)
        assert "going" in answer.lower()
        events = runner.services.capabilities[capabilities.EVENTS]
        occurrence = (await events.next_occurrences(await events.event(1), limit=1))[0]
        assert occurrence.local.isoformat().startswith("2026-12-03T18:00")
        attendees = await events.attendees(1, "2026-12-03T18:00")
        local = await runner.bot.local_user(amal.user_id)
        assert local in attendees["going"]
        posts = [e for e in amal.timeline[announcements]
                 if e.get("sender") == bot_user and "Language café" in e.get("content", {}).get("body", "")
                 and "m.relates_to" not in e.get("content", {})]
        assert len(posts) == 1

        # She leaves the community: she holds no place at the dates ahead.
        left = asyncio.Event()

        async def saw_leave(community: int, user: UserRef) -> None:
            if int(user.id) == local:
                left.set()

        runner.bot.on_leave(saw_leave)
        await amal.leave(announcements)
        await amal.leave(matrix.room("welcome"))
        await amal.leave(matrix.community.space_id)
        await asyncio.wait_for(left.wait(), 30)
        assert local not in (await events.attendees(1, "2026-12-03T18:00"))["going"]
