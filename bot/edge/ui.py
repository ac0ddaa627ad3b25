"""Small rendering helpers shared by the cogs (Discord objects only; no domain logic)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord.interactions import InteractionResponse
from discord.utils import MISSING

from bot.core.db import expect_answer
from bot.core.languages import LANGUAGES

log = logging.getLogger(__name__)

#: Discord's limits, used to cut texts before sending.
MESSAGE_LIMIT = 2000
EMBED_DESCRIPTION_LIMIT = 4096
SELECT_OPTIONS_LIMIT = 25

#: A handler whose database work would keep the member waiting longer than this (seconds after it
#: started) acknowledges first; Discord drops an interaction with no first response after 3 seconds.
ANSWER_WITHIN = 1.5


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


#: A slash command's `extras` key: under a burst, acknowledge it first (`BotTree`), before discord.py
#: reads its options. For the commands many members use at once; never for one whose first response
#: must be a form.
ACKNOWLEDGES_WHEN_BUSY = "acknowledges_when_busy"


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
    # The others' first responses before this one's work: every interaction that arrived with it
    # is acknowledged before any of the answers is worked out.
    await asyncio.sleep(0)
    return True


class _AcknowledgedResponse(InteractionResponse):  # type: ignore[type-arg]
    """The response of an interaction the bot acknowledged while it waited for the database.

    The handler does not know that happened: its first-response calls become what they must be now
    (a message becomes a follow-up, a message edit edits the acknowledged message), so every handler
    keeps working unchanged. Only a form cannot follow an acknowledgement (`modal_follows`).
    """

    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> None:  # type: ignore[override]
        """Already acknowledged: nothing to do."""

    async def send_message(self, content: Any = None, **kwargs: Any) -> None:  # type: ignore[override]
        """A follow-up instead of the first response."""
        kwargs.pop("delete_after", None)
        # A follow-up takes "no view / no embed" as absent, not as None.
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        await self._parent.followup.send(content if content is not None else MISSING, **kwargs)

    async def edit_message(self, **kwargs: Any) -> None:  # type: ignore[override]
        """Edit the message the component sits on (the acknowledged original)."""
        allowed = {"content", "embed", "embeds", "attachments", "view", "allowed_mentions"}
        await self._parent.edit_original_response(**{k: v for k, v in kwargs.items() if k in allowed})


def modal_follows(interaction: discord.Interaction[Any]) -> None:
    """Declare that this handler answers with a form after database work: a form must be the first
    response, so a slow database is not acknowledged but given up on in time ("could not save")."""
    interaction.extras["modal_follows"] = True


async def acknowledge_now(interaction: discord.Interaction[Any]) -> bool:
    """Give the member a first response now, because a wait is coming; True when they have one.

    A button, menu or form on a message gets a deferred update (nothing changes on screen; an edit
    or a private message follows), a command "thinking". False when that is impossible: an
    autocomplete, a handler that must answer with a form, or an acknowledgement Discord refused.
    """
    if interaction.response.is_done():
        return True
    if interaction.type is discord.InteractionType.autocomplete or interaction.extras.get("modal_follows"):
        return False
    try:
        if interaction.type is discord.InteractionType.component or (
            interaction.type is discord.InteractionType.modal_submit and interaction.message is not None
        ):
            await interaction.response.defer()
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
    except discord.HTTPException as exc:
        log.warning("could not acknowledge an interaction before a database wait (status %s)", exc.status)
        return interaction.response.is_done()
    acknowledged = _AcknowledgedResponse(interaction)
    acknowledged._response_type = interaction.response._response_type
    interaction._cs_response = acknowledged  # type: ignore[attr-defined]
    log.info("acknowledged an interaction first: the database is busy")
    return True


def answer_in_time(interaction: discord.Interaction[Any]) -> None:
    """For the rest of the current task (the interaction's handler): database work that would keep
    the member waiting past `ANSWER_WITHIN` acknowledges first, or gives up in time (`bot.core.db`)."""

    async def acknowledge() -> bool:
        return await acknowledge_now(interaction)

    expect_answer(acknowledge, within=ANSWER_WITHIN)


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

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Answer in time even when the database is slow (subclasses call this when they override it)."""
        answer_in_time(interaction)
        return True

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, item: Any, /) -> None:
        """Tell the member; log an incident."""
        from bot.edge.errors import report_error

        await report_error(interaction, error)


class SafeModal(discord.ui.Modal):
    """A modal (form) whose errors take the one error path (use it instead of `discord.ui.Modal`)."""

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        """Answer in time even when the database is slow (subclasses call this when they override it)."""
        answer_in_time(interaction)
        return True

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception, /) -> None:
        """Tell the member; log an incident."""
        from bot.edge.errors import report_error

        await report_error(interaction, error)
