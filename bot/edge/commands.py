"""Slash commands into the commands declared once in `bot.core.commands`.

A cog keeps what is Discord's (the slash-command declaration, option descriptions, autocomplete)
and hands the parsed options to the declared handler in one line::

    @faq.command(name="search", description="Find an answer; write in any language")
    async def search(self, interaction, query: str) -> None:
        await run_command(interaction, ("faq", "search"), query=query)

Members are passed on as `UserRef`s; the permission and place checks are `Commands.run`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from bot.core.commands import Where
from bot.core.conversation import UserRef
from bot.core.errors import UserError
from bot.core.i18n import N_
from bot.edge.conversation import DiscordExchange


def _value(value: Any) -> Any:
    if isinstance(value, discord.User | discord.Member):
        return UserRef(str(value.id))
    return value


async def run_command(interaction: discord.Interaction[Any], path: Sequence[str], **options: Any) -> None:
    """Run the declared command at `path` for this interaction (errors take the cog's error path)."""
    commands = interaction.client.services.commands
    command = commands.get(tuple(path))
    # The turn's community falls back to the home server in direct messages (flows that answer there need
    # it), so a command that works only in the server is refused here by where it was used.
    if command is not None and command.where is Where.COMMUNITY and interaction.guild_id is None:
        raise UserError(N_("This only works in the server, not in direct messages."))
    exchange = await DiscordExchange.of(interaction)
    await commands.run(exchange, tuple(path), {name: _value(value) for name, value in options.items()})
