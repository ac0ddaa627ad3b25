"""Synapse's default rate limits, as a real server keeps them, with the bot not exempted: the bot's
own pacing is lifted so that the homeserver refuses it, and every message still arrives, in order,
after the waits the homeserver asked for."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import aiohttp

from bot.core.conversation import Message
from bot.core.places import WELCOME
from bot.matrix.homeserver import Homeserver
from bot.matrix.http import Pacer
from tests.matrix.adapter import running_bot
from tests.matrix.conftest import open_community

LIMIT = 16  # Synapse's default burst is 10 messages a user


async def test_the_bot_waits_out_synapses_default_limits(synapse_default_limits: Homeserver, tmp_path: Path) -> None:
    async with aiohttp.ClientSession() as session:
        matrix = await open_community(synapse_default_limits, session)
        # The community is set up; from now on the bot has the limits of any user.
        admin = await matrix.admin.administrator()
        await matrix.admin.request("DELETE", f"/_synapse/admin/v1/users/{quote(matrix.bot.user_id)}/override_ratelimit",
                                   token=admin.access_token)
        amal = await matrix.member("amal")
        unpaced = Pacer(global_rate=1000, global_burst=1000, room_rate=1000, room_burst=1000)
        async with running_bot(matrix, tmp_path / "bot.db", pacer=unpaced) as runner:
            bot = runner.bot
            count = 0
            while count < LIMIT and not (bot.api.rate_limited and count >= 3):
                count += 1
                assert await bot.conversation.post(bot.community, WELCOME, Message.of(f"Notice {count}"))
            assert bot.api.rate_limited >= 1  # the homeserver did refuse, and the bot waited
            seen = [await amal.next_text(matrix.room("welcome"), sender=matrix.bot.user_id, timeout=120)
                    for _ in range(count)]
        assert seen == [f"Notice {n}" for n in range(1, count + 1)]
