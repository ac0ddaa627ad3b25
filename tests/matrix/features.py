"""Helpers for the features' conversations on the real homeserver: a member who joins while the bot runs,
reading the bot's numbered prompts as a member does, answering them by number."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from bot.core.conversation import UserRef
from tests.matrix.adapter import BotRunner, direct_room_of
from tests.matrix.conftest import MatrixCommunity, MemberClient, unique


async def newcomer(matrix: MatrixCommunity, runner: BotRunner, name: str) -> MemberClient:
    """A fresh account that joins the space and the welcome room while the bot runs; returns once the bot saw
    the join (its join hooks, the welcome's included, have run)."""
    account = await matrix.admin.register(unique(name), displayname=name.capitalize())
    await matrix.admin.exempt_from_rate_limits(account.user_id)
    client = MemberClient(matrix.url, account, matrix.session)
    await client.sync()
    seen = asyncio.Event()

    async def saw(community: int, user: UserRef) -> None:
        if await runner.bot.store.matrix(user.id) == account.user_id:
            seen.set()

    runner.bot.on_join(saw)
    await client.join(matrix.community.space_id)
    await client.join(matrix.room("welcome"))
    await asyncio.wait_for(seen.wait(), 30)
    matrix.members.append(client)
    return client


def number_of(body: str, label: str) -> str:
    """The number a numbered prompt gives the entry whose label contains `label`."""
    for line in body.splitlines():
        found = re.match(r"^(\d+)\. (.*)$", line.strip())
        if found and label in found.group(2):
            return found.group(1)
    raise AssertionError(f"no entry {label!r} in {body!r}")


async def next_body(member: MemberClient, room: str, bot_user: str, *, containing: str = "",
                    timeout: float = 30.0) -> str:
    """The next message from the bot in `room` (an edit counts: its new text), skipping those without
    `containing`."""
    while True:
        event: dict[str, Any] = await member.next_message(room, sender=bot_user, timeout=timeout)
        content = event["content"]
        body = str((content.get("m.new_content") or content).get("body", ""))
        if containing in body:
            return body


async def dm_of(member: MemberClient, bot_user: str) -> str:
    """The member's direct room with the bot (joined), past its first "not encrypted" message."""
    room = await direct_room_of(member, bot_user, timeout=30)
    await member.next_text(room, sender=bot_user, timeout=30)
    return room
