"""The one error path for slash commands, buttons, selects and modals.

A `UserError` (bad input, a missing role) becomes a polite ephemeral sentence in the member's
language. Anything else becomes an apology with an incident id; the log gets the incident id and the
traceback, and never names, message text or answers.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.core.commands import refusal_text
from bot.core.db import storage_problem
from bot.core.errors import NotAllowed, UserError
from bot.core.i18n import Translator
from bot.core.logs import scrub_exception
from bot.edge.translator import render_command

log = logging.getLogger("bot.incidents")

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def _unwrap(error: BaseException) -> BaseException:
    while isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        inner = error.__cause__ or getattr(error, "original", None)
        if inner is None:
            break
        error = inner
    return error


def _where(interaction: discord.Interaction[Any]) -> str:
    if interaction.command is not None:
        return f"/{interaction.command.qualified_name}"
    data = interaction.data or {}
    custom_id = str(data.get("custom_id", "?"))
    # Only the static prefix of a custom id: the rest may carry record ids.
    return f"component:{custom_id.split(':', 1)[0]}"


async def send_ephemeral(interaction: discord.Interaction[Any], content: str) -> None:
    """Answer ephemerally whether or not the interaction was already acknowledged."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(content, ephemeral=True)
        else:
            await interaction.response.send_message(content, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error message for %s", _where(interaction))


def render_user_error(t: Translator, error: UserError) -> str:
    """The member-facing sentence of a `UserError`, with `Msg` values translated."""
    return refusal_text(t, error, render_command)


async def report_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Tell the member in their language; log an incident for unexpected errors."""
    error = _unwrap(error)
    client = interaction.client
    translator_for = getattr(client, "translator_for", None)
    if translator_for is None:  # not our bot (should not happen)
        log.error("error outside the bot: %s", type(error).__name__)
        return
    try:
        t = await translator_for(interaction)
    except Exception:
        t = client.services.translator("en")  # type: ignore[attr-defined]

    if isinstance(error, UserError):
        if isinstance(error, NotAllowed):
            log.info("refused %s for user %s: missing role", _where(interaction), interaction.user.id)
        await send_ephemeral(interaction, render_user_error(t, error))
        return
    if isinstance(error, app_commands.NoPrivateMessage):
        await send_ephemeral(interaction, t._("This only works in the server, not in direct messages."))
        return
    if isinstance(error, app_commands.CheckFailure):
        await send_ephemeral(interaction, t._("You cannot use this here."))
        return

    incident = uuid.uuid4().hex[:8]
    problem = storage_problem(error)
    if problem is not None:
        # Nothing was committed: the unit of work rolled back. The operator must look (disk, locks).
        log.error("incident %s in %s: storage %s", incident, _where(interaction), problem)
        await send_ephemeral(
            interaction,
            t._("Sorry, I could not save that just now, and nothing was changed. Please try again in a few "
                "minutes. (Incident {incident})", incident=incident),
        )
        return
    log.error(
        "incident %s in %s (user %s)\n%s", incident, _where(interaction), interaction.user.id, scrub_exception(error)
    )
    await send_ephemeral(
        interaction,
        t._("Sorry, something went wrong on our side. Please try again in a moment. (Incident {incident})",
            incident=incident),
    )


def guarded(callback: F) -> F:
    """Wrap a component handler `(interaction, ...)` so errors take the one error path.

    An exception in a gateway event's handler is only logged; the member would see "interaction
    failed". Also counts the interaction as in flight and applies the per-member rate limit.
    """

    @wraps(callback)
    async def wrapper(interaction: discord.Interaction[Any], *args: Any) -> Any:
        client = interaction.client
        handling = getattr(client, "handling", None)
        with handling(interaction) if handling is not None else contextlib.nullcontext():
            check = getattr(client, "check_rate", None)
            if check is not None and not await check(interaction):
                return None
            try:
                return await callback(interaction, *args)
            except Exception as exc:
                await report_error(interaction, exc)
                return None

    return wrapper  # type: ignore[return-value]
