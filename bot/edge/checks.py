"""Permission checks inside the bot (Discord's default_permissions are only a hint)."""

from __future__ import annotations

from typing import Any

import discord

from bot.core.access import Capability
from bot.core.commands import STAFF_NAMES
from bot.core.errors import NotAllowed, UserError
from bot.core.i18n import N_
from bot.edge.ui import member_is_manager, member_role_ids

ROLE_NAMES = STAFF_NAMES


def require_guild(interaction: discord.Interaction[Any]) -> int:
    """The guild id, or a polite refusal when used from direct messages."""
    if interaction.guild_id is None:
        raise UserError(N_("This only works in the server, not in direct messages."))
    return interaction.guild_id


def require(interaction: discord.Interaction[Any], *capabilities: Capability) -> int:
    """Refuse unless the member holds one of the roles for `capabilities` right now. Returns the guild id."""
    guild_id = require_guild(interaction)
    access = interaction.client.services.access  # type: ignore[attr-defined]
    if not access.allows(member_role_ids(interaction), *capabilities, is_manager=member_is_manager(interaction)):
        raise NotAllowed(N_("Sorry, only {roles} can do this."), roles=[ROLE_NAMES[c] for c in capabilities])
    return guild_id
