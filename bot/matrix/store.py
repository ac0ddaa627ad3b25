"""What the Matrix adapter keeps in the database (migration 0008).

- The id mapping: the features keep integer ids, so every Matrix id they see (a member `@a:hs`, a
  room `!r:hs`, the space as the community, an event `$e`) is a local integer given the first time
  the adapter meets it. `UserRef("17")` comes in, `@amal:localhost` goes out.
- The sync position (`next_batch`), stored after the events of a batch were handled, so a restart
  neither loses nor replays commands.
- The members' direct rooms, the encrypted rooms the bot already explained itself in, pending
  prompts (numbered choices and form dialogues) and stored labels.

The member's part (their id mapping, direct room, prompts, labels) is a privacy section: deleting
the member's data removes it with everything else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.core.clock import Clock, to_db
from bot.core.db import Database, Tx
from bot.core.i18n import N_
from bot.core.privacy import PrivacySection

USER, ROOM, EVENT = "user", "room", "event"

NEXT_BATCH = "next_batch"


@dataclass(frozen=True, slots=True)
class Prompt:
    """A pending numbered choice or form dialogue."""

    id: int
    user_id: int | None
    room_id: str
    kind: str                  # "choice" or "form"
    action: str                # the Action's wire form
    options: list[Any]         # choice: [[value, label], ...]; form: [field dicts]
    answers: dict[str, str]
    position: int
    language: str
    event_id: str | None
    least: int = 1
    most: int = 1
    community: int | None = None
    title: str = ""


class MatrixStore:
    """The adapter's tables."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._to_local: dict[str, int] = {}
        self._to_matrix: dict[int, str] = {}

    # ----- ids ------------------------------------------------------------------------------------
    async def local(self, kind: str, matrix_id: str) -> int:
        """The local integer of a Matrix id (given now when it has none)."""
        known = self._to_local.get(matrix_id)
        if known is not None:
            return known
        value = await self._db.fetchval("SELECT local_id FROM matrix_ids WHERE matrix_id = ?", (matrix_id,))
        if value is None:
            async with self._db.transaction() as tx:
                await tx.execute("INSERT OR IGNORE INTO matrix_ids(kind, matrix_id) VALUES (?, ?)", (kind, matrix_id))
                value = await tx.fetchval("SELECT local_id FROM matrix_ids WHERE matrix_id = ?", (matrix_id,))
        self._remember(int(value), matrix_id)
        return int(value)

    async def known_local(self, matrix_id: str) -> int | None:
        """The local integer of a Matrix id, without giving one."""
        known = self._to_local.get(matrix_id)
        if known is not None:
            return known
        value = await self._db.fetchval("SELECT local_id FROM matrix_ids WHERE matrix_id = ?", (matrix_id,))
        if value is not None:
            self._remember(int(value), matrix_id)
        return int(value) if value is not None else None

    async def matrix(self, local_id: int | str) -> str | None:
        """The Matrix id of a local integer (a text that is already a Matrix id passes through)."""
        text = str(local_id)
        if text[:1] in "@!$#":
            return text
        if not text.isdigit():
            return None
        number = int(text)
        known = self._to_matrix.get(number)
        if known is not None:
            return known
        value = await self._db.fetchval("SELECT matrix_id FROM matrix_ids WHERE local_id = ?", (number,))
        if value is not None:
            self._remember(number, value)
        return value

    def _remember(self, local_id: int, matrix_id: str) -> None:
        self._to_local[matrix_id] = local_id
        self._to_matrix[local_id] = matrix_id

    def _forget(self, local_id: int) -> None:
        matrix_id = self._to_matrix.pop(local_id, None)
        if matrix_id is not None:
            self._to_local.pop(matrix_id, None)

    # ----- small state ----------------------------------------------------------------------------
    async def state(self, key: str) -> str | None:
        """A stored value (the sync position, ...)."""
        return await self._db.fetchval("SELECT value FROM matrix_state WHERE key = ?", (key,))

    async def set_state(self, key: str, value: str) -> None:
        """Store a value durably (one statement)."""
        await self._db.execute(
            "INSERT INTO matrix_state(key, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (key, value, to_db(self._clock.now())))

    # ----- direct rooms ---------------------------------------------------------------------------
    async def direct_room(self, user_id: int) -> str | None:
        """The member's direct room, if the bot made one."""
        return await self._db.fetchval("SELECT room_id FROM matrix_direct_rooms WHERE user_id = ?", (user_id,))

    async def direct_member(self, room_id: str) -> int | None:
        """Whose direct room this is, if it is one."""
        return await self._db.fetchval("SELECT user_id FROM matrix_direct_rooms WHERE room_id = ?", (room_id,))

    async def set_direct_room(self, user_id: int, room_id: str) -> None:
        """Record the member's (new) direct room."""
        await self._db.execute(
            "INSERT INTO matrix_direct_rooms(user_id, room_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT(user_id) DO UPDATE SET room_id = excluded.room_id, created_at = excluded.created_at",
            (user_id, room_id, to_db(self._clock.now())))

    async def forget_direct_room(self, room_id: str) -> None:
        """The member left their direct room: the next direct message makes a new one."""
        await self._db.execute("DELETE FROM matrix_direct_rooms WHERE room_id = ?", (room_id,))

    async def tell_encrypted_once(self, room_id: str) -> bool:
        """True the first time for an encrypted room (then the bot explains how to reach it)."""
        changed = await self._db.execute(
            "INSERT OR IGNORE INTO matrix_encrypted_told(room_id, told_at) VALUES (?, ?)",
            (room_id, to_db(self._clock.now())))
        return changed > 0

    # ----- prompts --------------------------------------------------------------------------------
    async def open_prompt(self, *, user_id: int | None, room_id: str, kind: str, action: str,
                          options: list[Any], language: str, least: int = 1, most: int = 1,
                          community: int | None = None, title: str = "") -> int:
        """Store a pending prompt (replacing the member's open one in the room)."""
        payload = json.dumps({"options": options, "least": least, "most": most, "community": community,
                              "title": title}, ensure_ascii=False)
        async with self._db.transaction() as tx:
            if user_id is not None:
                await tx.execute("DELETE FROM matrix_prompts WHERE user_id = ? AND room_id = ?", (user_id, room_id))
            await tx.execute(
                "INSERT INTO matrix_prompts(user_id, room_id, kind, action, options, language, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (user_id, room_id, kind, action, payload, language, to_db(self._clock.now())))
            return int(await tx.fetchval("SELECT last_insert_rowid()"))

    async def attach_event(self, prompt_id: int, event_id: str) -> None:
        """The event that shows the prompt (reactions to it answer it)."""
        await self._db.execute("UPDATE matrix_prompts SET event_id = ? WHERE id = ?", (event_id, prompt_id))

    async def prompt_for(self, user_id: int, room_id: str) -> Prompt | None:
        """The member's open prompt in the room."""
        row = await self._db.fetchone("SELECT * FROM matrix_prompts WHERE user_id = ? AND room_id = ?",
                                      (user_id, room_id))
        return _prompt(row) if row is not None else None

    async def prompt_of_event(self, event_id: str) -> Prompt | None:
        """The prompt shown by an event (for reactions)."""
        row = await self._db.fetchone("SELECT * FROM matrix_prompts WHERE event_id = ?", (event_id,))
        return _prompt(row) if row is not None else None

    async def advance_prompt(self, prompt_id: int, answers: dict[str, str], position: int) -> None:
        """A form's next field."""
        await self._db.execute("UPDATE matrix_prompts SET answers = ?, position = ? WHERE id = ?",
                               (json.dumps(answers, ensure_ascii=False), position, prompt_id))

    async def close_prompt(self, prompt_id: int) -> bool:
        """Done or cancelled; True when it was still open (so two answers cannot both continue it)."""
        return await self._db.execute("DELETE FROM matrix_prompts WHERE id = ?", (prompt_id,)) > 0

    # ----- labels ---------------------------------------------------------------------------------
    async def labels(self, user_id: int, community: int) -> set[str]:
        """The member's stored labels in a community."""
        rows = await self._db.fetchall("SELECT label FROM matrix_labels WHERE user_id = ? AND community = ?",
                                       (user_id, community))
        return {row["label"] for row in rows}

    async def change_labels(self, user_id: int, community: int, add: list[str], remove: list[str]) -> None:
        """Add and remove stored labels in one unit."""
        async with self._db.transaction() as tx:
            for label in add:
                await tx.execute("INSERT OR IGNORE INTO matrix_labels(user_id, community, label) VALUES (?, ?, ?)",
                                 (user_id, community, label))
            for label in remove:
                await tx.execute("DELETE FROM matrix_labels WHERE user_id = ? AND community = ? AND label = ?",
                                 (user_id, community, label))

    # ----- privacy --------------------------------------------------------------------------------
    def privacy_section(self) -> PrivacySection:
        """The member's Matrix id, direct room, open prompts and labels."""

        async def export(tx: Tx, user_id: int) -> dict[str, Any] | None:
            matrix_id = await tx.fetchval("SELECT matrix_id FROM matrix_ids WHERE local_id = ? AND kind = 'user'",
                                          (user_id,))
            if matrix_id is None:
                return None
            return {
                "matrix_id": matrix_id,
                "direct_room": await tx.fetchval("SELECT room_id FROM matrix_direct_rooms WHERE user_id = ?",
                                                 (user_id,)),
                "open_prompts": [row["action"] for row in await tx.fetchall(
                    "SELECT action FROM matrix_prompts WHERE user_id = ?", (user_id,))],
                "labels": sorted(row["label"] for row in await tx.fetchall(
                    "SELECT label FROM matrix_labels WHERE user_id = ?", (user_id,))),
            }

        async def delete(tx: Tx, user_id: int) -> None:
            await tx.execute("DELETE FROM matrix_prompts WHERE user_id = ?", (user_id,))
            await tx.execute("DELETE FROM matrix_labels WHERE user_id = ?", (user_id,))
            await tx.execute("DELETE FROM matrix_direct_rooms WHERE user_id = ?", (user_id,))
            await tx.execute("DELETE FROM matrix_ids WHERE local_id = ? AND kind = 'user'", (user_id,))

        async def after_delete(user_id: int) -> None:
            self._forget(user_id)

        return PrivacySection(
            key="matrix",
            title=N_("Matrix account"),
            description=N_("Your Matrix id, the direct room the bot made for you and any question it is waiting for "
                           "you to answer."),
            export=export, delete=delete, after_delete=after_delete)


def _prompt(row: Any) -> Prompt:
    payload = json.loads(row["options"])
    return Prompt(id=row["id"], user_id=row["user_id"], room_id=row["room_id"], kind=row["kind"],
                  action=row["action"], options=payload["options"], answers=json.loads(row["answers"]),
                  position=row["position"], language=row["language"], event_id=row["event_id"],
                  least=payload.get("least", 1), most=payload.get("most", 1), community=payload.get("community"),
                  title=payload.get("title", ""))

