"""Messages the bot promised, kept for the member when it cannot write to them directly.

A reminder, a waiting-list promotion or a mentor invitation must reach the member in their
language. `HeldNotices.reach` writes to them directly when they allowed it; when they did not (or
their direct messages are closed) it keeps the notice, and the member sees it privately at their
next turn with the bot (any command or press, on any platform), together with one press to allow
direct messages from then on (`allow_button`). Nothing is promised that cannot be kept: a flow asks
`HeldNotices.can_write` before it says "I will tell you".

A notice is kept as its kind, its idempotency key and a payload of ids and codes; the feature that
planned it registers how to write it (`register(kind, render)`), so it is written in the member's
language of the moment and names what is true then. A notice older than `KEEP_FOR` is dropped
unseen.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from bot.core.clock import Clock, from_db, to_db
from bot.core.conversation import (
    Action,
    Button,
    Conversation,
    Delivery,
    Exchange,
    Message,
    Style,
    Text,
    UserRef,
)
from bot.core.db import Database, Tx
from bot.core.i18n import N_, Translator
from bot.core.members import MemberPrefs
from bot.core.privacy import PrivacySection

log = logging.getLogger(__name__)

#: A held notice not seen within this long is dropped (its event is over, its offer expired).
KEEP_FOR = timedelta(days=30)
#: At most this many held notices are shown at one turn (the rest at the next one).
PER_TURN = 3
#: The press that allows direct messages.
ALLOW_DM = Action("core", "allow-dm")

#: Writes a held notice again: (payload, the member's translator) -> the message, or None when it no
#: longer applies (the event was cancelled meanwhile).
Render = Callable[[dict[str, Any], Translator], Awaitable[Message | None]]


def allow_button(t: Translator) -> Button:
    """One press to allow the bot to write directly."""
    return Button(ALLOW_DM, t._("Allow direct messages"), Style.PRIMARY)


class HeldNotices:
    """The member's undelivered notices, and direct-message consent at the moment it matters."""

    def __init__(self, db: Database, clock: Clock, prefs: MemberPrefs,
                 translator: Callable[[str], Translator]) -> None:
        self._db = db
        self._clock = clock
        self._prefs = prefs
        self._translator = translator
        self._renderers: dict[str, Render] = {}

    def register(self, kind: str, render: Render) -> None:
        """How notices of `kind` are written (registering again replaces: extensions reload)."""
        self._renderers[kind] = render

    async def can_write(self, user_id: int) -> bool:
        """Whether the member allowed direct messages (so a flow may promise one)."""
        return await self._prefs.dm_allowed(user_id)

    async def hold(self, user_id: int, guild_id: int | None, kind: str, key: str,
                   payload: dict[str, Any] | None = None, *, tx: Tx | None = None) -> None:
        """Keep a notice for the member's next turn (once per key)."""
        sql = ("INSERT OR IGNORE INTO held_notices(user_id, guild_id, kind, key, payload, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?)")
        params = (user_id, guild_id, kind, key, json.dumps(payload or {}, sort_keys=True), to_db(self._clock.now()))
        if tx is None:
            await self._db.execute(sql, params)
        else:
            await tx.execute(sql, params)

    async def reach(self, chat: Conversation, user_id: int, guild_id: int | None, kind: str, key: str,
                    payload: dict[str, Any] | None = None) -> Delivery:
        """Write the notice directly if the member allowed it, else keep it for their next turn.

        Returns `SENT` when it was delivered directly, `NOT_ALLOWED` or `CLOSED` when it is held,
        `FAILED` when the platform did not answer (nothing is held: the caller's job tries again)."""
        payload = payload or {}
        render = self._renderers.get(kind)
        if render is None:
            raise LookupError(kind)
        t = self._translator(await self._prefs.language(user_id) or "")
        message = await render(payload, t)
        if message is None:
            return Delivery.SENT  # nothing left to say
        delivered = await chat.direct(UserRef.of(user_id), message, key=key, community=guild_id,
                                      only_if_allowed=True)
        if delivered in (Delivery.NOT_ALLOWED, Delivery.CLOSED):
            await self.hold(user_id, guild_id, kind, key, payload)
        return delivered

    async def count(self, user_id: int) -> int:
        """How many notices are waiting for the member."""
        return int(await self._db.fetchval("SELECT COUNT(*) FROM held_notices WHERE user_id = ?", (user_id,)) or 0)

    async def deliver(self, turn: Exchange) -> int:
        """Show the member their held notices privately (called after each of their turns); how many."""
        if not turn.user.id.isdigit():
            return 0
        if getattr(turn, "asked_form", False):
            return 0  # a form was this turn's answer (Discord allows nothing after it): the next turn shows them
        user_id = int(turn.user.id)
        rows = await self._db.fetchall(
            "SELECT id, kind, payload, created_at FROM held_notices WHERE user_id = ? ORDER BY id LIMIT ?",
            (user_id, PER_TURN * 2))
        if not rows:
            return 0
        t = self._translator(turn.language)
        now = self._clock.now()
        shown = 0
        for row in rows:
            if shown >= PER_TURN:
                break
            render = self._renderers.get(row["kind"])
            if render is None:
                continue  # its feature is not loaded now: keep it
            too_old = now - from_db(row["created_at"]) > KEEP_FOR
            message = None if too_old else await render(json.loads(row["payload"]), t)
            if message is not None:
                intro = Text.plain(t._("While I could not write to you directly:") + "\n")
                controls = message.controls
                if not await self._prefs.dm_allowed(user_id):
                    controls = (*controls, allow_button(t))
                await turn.answer(Message(intro + message.text, message.card, controls, message.ping))
                shown += 1
            await self._db.execute("DELETE FROM held_notices WHERE id = ?", (row["id"],))
        return shown

    async def on_allow(self, turn: Exchange, _action: Action, _answer: object) -> None:
        """The member pressed "Allow direct messages"."""
        user_id = int(turn.user.id)
        await self._prefs.set_dm_allowed(user_id, True)
        t = self._translator(turn.language)
        await turn.replace(Message.of(t._(
            "Thank you. I will write to you directly from now on. You can change this any time in your privacy "
            "settings.")))

    def privacy_section(self) -> PrivacySection:
        """Held notices are the member's data: exported and deleted with the rest."""

        async def export(tx: Tx, user_id: int) -> list[dict[str, Any]] | None:
            rows = await tx.fetchall(
                "SELECT kind, created_at FROM held_notices WHERE user_id = ? ORDER BY id", (user_id,))
            return [{"kind": row["kind"], "kept_since": row["created_at"]} for row in rows] or None

        async def delete(tx: Tx, user_id: int) -> None:
            await tx.execute("DELETE FROM held_notices WHERE user_id = ?", (user_id,))

        return PrivacySection(
            key="held_notices",
            title=N_("Messages kept for you"),
            description=N_("Reminders and offers I could not send you directly; they are shown to you the next "
                           "time you use the bot, then deleted."),
            export=export,
            delete=delete,
        )


def after_turn(notices: HeldNotices) -> Callable[[Exchange], Awaitable[None]]:
    """The hook commands and routes call after a member's turn."""

    async def hook(turn: Exchange) -> None:
        try:
            await notices.deliver(turn)
        except Exception:  # a held notice must never break the member's own turn
            log.exception("held notices could not be shown")

    return hook
