"""Mentoring on a real homeserver: a mentor volunteers, a newcomer asks, a coordinator approves the pair,
the bot restarts, both accept in their direct rooms and their private (invite-only) room opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.matrix.adapter import running_bot
from tests.matrix.conftest import MatrixCommunity
from tests.matrix.features import dm_of, next_body, number_of

pytestmark = pytest.mark.matrix


async def test_an_approved_pair_accepts_after_a_restart_and_their_private_room_opens(
        matrix: MatrixCommunity, tmp_path: Path) -> None:
    bot_user = matrix.bot.user_id
    layla = await matrix.member("layla")
    hodan = await matrix.member("hodan")
    cora = await matrix.member("cora", staff=("coordinators",))
    welcome = matrix.room("welcome")
    async with running_bot(matrix, tmp_path / "bot.db", features=True) as runner:
        for member in (layla, hodan):
            await runner.services.prefs.set_dm_allowed(await runner.bot.local_user(member.user_id), True)
        await layla.send(welcome, '!mentor volunteer languages:"sv:3 en:2" help:work adult:true')
        layla_dm = await dm_of(layla, bot_user)
        await next_body(layla, layla_dm, bot_user)
        await hodan.send(welcome, '!mentor request languages:"en:3" help:work adult:true')
        hodan_dm = await dm_of(hodan, bot_user)
        await next_body(hodan, hodan_dm, bot_user)

        await cora.send(welcome, "!match preview")
        cora_dm = await dm_of(cora, bot_user)
        await next_body(cora, cora_dm, bot_user)
        await cora.send(cora_dm, "!match approve pairs:all")
        await next_body(cora, cora_dm, bot_user)

        await runner.restart()
        for member, dm in ((layla, layla_dm), (hodan, hodan_dm)):
            invitation = await next_body(member, dm, bot_user, containing="Accept")
            await member.send(dm, number_of(invitation, "Accept"))
        room = await layla.next_invite(timeout=30)
        assert room == await hodan.next_invite(timeout=30)
        join_rule = await matrix.admin.request(
            "GET", f"/_matrix/client/v3/rooms/{room}/state/m.room.join_rules/", token=matrix.bot.access_token)
        assert join_rule["join_rule"] == "invite"
        await layla.join(room)
        await hodan.join(room)
