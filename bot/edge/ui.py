"""Small rendering helpers shared by the cogs (Discord objects only; no domain logic)."""

from __future__ import annotations

from typing import Any

import discord

from bot.core.languages import LANGUAGES

#: Discord's limits, used to cut texts before sending.
MESSAGE_LIMIT = 2000
EMBED_DESCRIPTION_LIMIT = 4096
SELECT_OPTIONS_LIMIT = 25


def language_options(selected: str | None = None) -> list[discord.SelectOption]:
    """One option per language, each labelled in its own script (and in English as a hint)."""
    return [
        discord.SelectOption(
            label=lang.native_name,
            value=lang.code,
            description=lang.english_name if lang.english_name != lang.native_name else None,
            default=lang.code == selected,
        )
        for lang in LANGUAGES.values()
    ]


def user_text(text: str) -> str:
    """Member-written text shown to others: markdown and mentions neutralised (no pings, no layout)."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def clip(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Cut a text to a Discord limit, with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def respond(
    interaction: discord.Interaction[Any],
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
    ephemeral: bool = True,
) -> None:
    """Send the answer, as the first response or as a follow-up when already acknowledged."""
    kwargs: dict[str, Any] = {"ephemeral": ephemeral}
    if content is not None:
        kwargs["content"] = clip(content)
    if embed is not None:
        kwargs["embed"] = embed
    if view is not None:
        kwargs["view"] = view
    if file is not None:
        kwargs["file"] = file
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def acknowledge_if_busy(interaction: discord.Interaction[Any], *, update: bool = False) -> bool:
    """Under a burst, acknowledge at once and let the answer follow; True when it acknowledged.

    Discord wants a first response within 3 seconds. When many interactions arrive together, the
    ones at the back of the queue would wait for all the work ahead of them; acknowledging first
    (the member sees "thinking", or nothing changes on a button's message with `update`) keeps the
    first response immediate. When the bot is not busy, the answer itself is the first response
    (one request instead of two). Use `respond` / `update_message` for the answer afterwards.
    """
    if interaction.response.is_done() or not getattr(interaction.client, "busy", False):
        return False
    if update:
        await interaction.response.defer()
    else:
        await interaction.response.defer(ephemeral=True, thinking=True)
    return True


async def update_message(
    interaction: discord.Interaction[Any],
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
) -> None:
    """Replace the message a component sits on (directly, or after a deferred update)."""
    if interaction.response.is_done():
        await interaction.edit_original_response(content=content, embed=embed, view=view)
    else:
        await interaction.response.edit_message(content=content, embed=embed, view=view)


def member_is_manager(interaction: discord.Interaction[Any]) -> bool:
    """Whether the member manages the server (Administrator or Manage Server)."""
    perms = getattr(interaction.user, "guild_permissions", None)
    return bool(perms and (perms.administrator or perms.manage_guild))


def member_role_ids(interaction: discord.Interaction[Any]) -> list[int]:
    """The member's current role ids, as sent with the interaction."""
    roles = getattr(interaction.user, "roles", None) or []
    return [role.id for role in roles]


class SafeView(discord.ui.View):
    """A view whose errors take the one error path (use it instead of `discord.ui.View`)."""

    def __init__(self, *, timeout: float | None = None) -> None:
        super().__init__(timeout=timeout)

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, item: Any, /) -> None:
        """Tell the member; log an incident."""
        from bot.edge.errors import report_error

        await report_error(interaction, error)


class SafeModal(discord.ui.Modal):
    """A modal (form) whose errors take the one error path (use it instead of `discord.ui.Modal`)."""

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:
        """Tell the member; log an incident."""
        from bot.edge.errors import report_error

        await report_error(interaction, error)
