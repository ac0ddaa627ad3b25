"""The Matrix adapter of the conversation port (`bot.core.conversation`).

- Ids: the port carries local integers as text (`UserRef("17")`); the adapter translates them to
  Matrix ids (`@amal:localhost`) on the way out and back on the way in (`bot.matrix.store`).
- Private answers go to the member's direct room (created by the bot, unencrypted, marked direct).
- Controls (buttons and choices) become a numbered list under the message; the member answers by
  typing the number(s) or the option, or by reacting with the number's keycap. The pending prompt
  (its Action wire form and options) is stored, so a restart keeps it (`bot.matrix.dispatch`).
- A form is a short dialogue in the member's direct room, one field a message.
- A private space for a pair is an invite-only room; closing it makes it read-only.
- Labels (Discord roles): a label that names a staff place (`volunteers`, `organizers`,
  `coordinators`, `translators`) is membership of that place's room (invited, or removed); every
  label is also stored (`matrix_labels`), so features can read what they set.
- Every send with a `key` uses a transaction id derived from it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mautrix.api import MediaPath, Method, Path
from mautrix.errors import MatrixConnectionError, MatrixRequestError

from bot.core.access import Capability
from bot.core.conversation import (
    Attachment,
    Button,
    Choice,
    Delivery,
    Form,
    Label,
    Message,
    MessageRef,
    PlaceRef,
    Posted,
    Relabeled,
    Unreachable,
    UserRef,
)
from bot.core.places import BY_NAME, Place

if TYPE_CHECKING:
    from bot.matrix.client import MatrixBot

log = logging.getLogger(__name__)

KEYCAPS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")
#: Reactions answer lists up to this long; longer ones are answered by typing.
REACTION_LIMIT = len(KEYCAPS)
_FAILURES = (MatrixRequestError, MatrixConnectionError, TimeoutError)


def entries_of(message: Message) -> tuple[list[list[str]], int, int]:
    """The numbered entries of a message's controls: [wire, value ("" for a button), label], and how
    many may be picked at least and at most (several only when the message has one multiple choice)."""
    entries: list[list[str]] = []
    least, most = 1, 1
    choices = [c for c in message.controls if isinstance(c, Choice)]
    for control in message.controls:
        if isinstance(control, Button):
            if not control.disabled:
                entries.append([str(control.action), "", control.label])
        else:
            entries.extend([str(control.action), o.value, o.label] for o in control.options)
    if len(choices) == 1 and len(message.controls) == 1 and choices[0].most > 1:
        least, most = choices[0].least, choices[0].most
    return entries, least, most


def prompt_lines(t: Any, entries: list[list[str]], most: int) -> list[str]:
    """The numbered list and how to answer it, in the reader's language."""
    lines = [f"{n}. {label}" for n, (_wire, _value, label) in enumerate(entries, 1)]
    if most > 1:
        lines.append(t._("Answer with one or more numbers, like “1, 3”."))
    elif len(entries) <= REACTION_LIMIT:
        lines.append(t._("Answer with a number, or react with it."))
    else:
        lines.append(t._("Answer with a number."))
    return lines


class MatrixConversation:
    """The port on Matrix, outside a member's turn."""

    def __init__(self, bot: MatrixBot) -> None:
        self.bot = bot

    async def _room(self, community: int, place: Place | PlaceRef) -> str | None:
        if isinstance(place, Place):
            return await self.bot.place_room(place)
        return await self.bot.store.matrix(place.id)

    async def send_with_controls(self, room_id: str, message: Message, *, key: str | None, language: str,
                                 user: int | None, community: int | None) -> str:
        """Send a message; its controls become a stored numbered prompt."""
        t = self.bot.services.translator(language)
        entries, least, most = entries_of(message)
        extra = prompt_lines(t, entries, most) if entries else None
        content = await self.bot.render(message, language, extra)
        if message.reply_to is not None:
            replied = await self.bot.store.matrix(message.reply_to.id)
            if replied:
                content["m.relates_to"] = {"m.in_reply_to": {"event_id": replied}}
        if entries:
            prompt = await self.bot.store.open_prompt(
                user_id=user, room_id=room_id, kind="choice", action="", options=entries, language=language,
                least=least, most=most, community=community)
            try:
                event_id = await self.bot.send(room_id, content, key=key)
            except BaseException:
                await self.bot.store.close_prompt(prompt)  # nothing shows it
                raise
            await self.bot.store.attach_event(prompt, event_id)
            return event_id
        return await self.bot.send(room_id, content, key=key)

    async def post(self, community: int, place: Place | PlaceRef, message: Message, *,
                   key: str | None = None) -> MessageRef | None:
        ref, _outcome = await self._post(community, place, message, key)
        return ref

    async def publish(self, community: int, place: Place | PlaceRef, message: Message, *,
                      key: str | None = None) -> Posted:
        ref, outcome = await self._post(community, place, message, key)
        return Posted(ref, outcome)

    async def is_member(self, community: int, user: UserRef) -> bool:
        if community != self.bot.community:
            return False
        matrix_user = await self.bot.store.matrix(user.id)
        return matrix_user is not None and self.bot.is_community_member(matrix_user)

    async def send_files(self, room_id: str, files: Sequence[Attachment], *, key: str | None) -> None:
        """Each file uploaded to the media repository, then sent as an `m.file` event (a repeat with the same
        key uploads again but the homeserver keeps one event)."""
        for n, attachment in enumerate(files, 1):
            uploaded = await self.bot.call(Method.POST, MediaPath.v3.upload, attachment.data,
                                           headers={"Content-Type": attachment.media_type},
                                           query={"filename": attachment.name})
            content = {"msgtype": "m.file", "body": attachment.name, "filename": attachment.name,
                       "url": str(uploaded["content_uri"]),
                       "info": {"mimetype": attachment.media_type, "size": len(attachment.data)}}
            await self.bot.send(room_id, content, key=f"{key}:file:{n}" if key is not None else None)

    async def _post(self, community: int, place: Place | PlaceRef, message: Message,
                    key: str | None) -> tuple[MessageRef | None, Delivery]:
        room_id = await self._room(community, place)
        if room_id is None:
            log.warning("no room for a post in community %s", community)
            return None, Delivery.CLOSED
        language = await self.bot.services.guild_language(community)
        try:
            event_id = await self.send_with_controls(room_id, message, key=key, language=language, user=None,
                                                     community=community)
        except MatrixRequestError as exc:
            log.warning("could not post in a room of community %s (HTTP %s)", community, exc.http_status)
            return None, Delivery.CLOSED if exc.http_status in (403, 404) else Delivery.FAILED
        except (MatrixConnectionError, TimeoutError):
            return None, Delivery.FAILED
        room_local = await self.bot.local_room(room_id)
        return MessageRef(PlaceRef.of(room_local), str(await self.bot.local_event(event_id))), Delivery.SENT

    async def direct(self, user: UserRef, message: Message, *, key: str | None = None,
                     community: int | None = None, only_if_allowed: bool = False) -> Delivery:
        local = int(user.id)
        if only_if_allowed and not await self.bot.services.prefs.dm_allowed(local):
            return Delivery.NOT_ALLOWED
        matrix_user = await self.bot.store.matrix(local)
        if matrix_user is None:
            return Delivery.CLOSED  # nobody we know (their data was deleted)
        t = await self.bot.translator_for(local)
        try:
            room_id = await self.bot.direct_room(local, matrix_user)
            await self.send_with_controls(room_id, message, key=key, language=t.code, user=local,
                                          community=community or self.bot.community)
        except MatrixRequestError as exc:
            log.warning("could not write to member %s directly (HTTP %s)", local, exc.http_status)
            return Delivery.CLOSED if exc.http_status in (403, 404) else Delivery.FAILED
        except (MatrixConnectionError, TimeoutError):
            return Delivery.FAILED
        return Delivery.SENT

    async def notify(self, community: int, group: Place, message: Message, *, key: str | None = None) -> Delivery:
        _ref, outcome = await self._post(community, group, message, key)
        return outcome

    async def locate(self, community: int, place: Place) -> PlaceRef | None:
        room_id = await self.bot.place_room(place)
        return PlaceRef.of(await self.bot.local_room(room_id)) if room_id is not None else None

    async def edit(self, ref: MessageRef, message: Message) -> Delivery:
        room_id = await self.bot.store.matrix(ref.place.id)
        event_id = await self.bot.store.matrix(ref.id)
        if room_id is None or event_id is None:
            return Delivery.GONE
        language = await self.bot.services.guild_language(self.bot.community)
        return await self.replace_event(room_id, event_id, message, language=language, user=None)

    async def replace_event(self, room_id: str, event_id: str, message: Message, *, language: str,
                            user: int | None, key: str | None = None) -> Delivery:
        """Edit a posted event (`m.replace`); its prompt follows the new controls."""
        try:
            original = await self.bot.call(Method.GET, Path.v3.rooms[room_id].event[event_id])
        except MatrixRequestError as exc:
            return Delivery.GONE if exc.http_status == 404 else Delivery.FAILED
        except (MatrixConnectionError, TimeoutError):
            return Delivery.FAILED
        if not original.get("content"):
            return Delivery.GONE  # redacted
        t = self.bot.services.translator(language)
        entries, least, most = entries_of(message)
        new = await self.bot.render(message, language, prompt_lines(t, entries, most) if entries else None)
        content = {**new, "body": "* " + new["body"], "formatted_body": "* " + new["formatted_body"],
                   "m.new_content": new, "m.relates_to": {"rel_type": "m.replace", "event_id": event_id}}
        old = await self.bot.store.prompt_of_event(event_id)
        try:
            await self.bot.send(room_id, content, key=key)
        except MatrixRequestError as exc:
            log.warning("could not edit a message (HTTP %s)", exc.http_status)
            return Delivery.CLOSED if exc.http_status == 403 else Delivery.FAILED
        except (MatrixConnectionError, TimeoutError):
            return Delivery.FAILED
        if old is not None:
            await self.bot.store.close_prompt(old.id)
        if entries:
            prompt = await self.bot.store.open_prompt(
                user_id=user if old is None else old.user_id, room_id=room_id, kind="choice", action="",
                options=entries, language=language, least=least, most=most,
                community=old.community if old is not None else self.bot.community)
            await self.bot.store.attach_event(prompt, event_id)
        return Delivery.SENT

    # ----- private spaces -------------------------------------------------------------------------
    @staticmethod
    def _private_key(name: str) -> str:
        return "private:" + hashlib.sha256(name.encode()).hexdigest()[:32]

    async def find_private(self, community: int, parent: Place, name: str, *, since: datetime) -> PlaceRef | None:
        room_id = await self.bot.store.state(self._private_key(name))
        if room_id is None:
            return None
        if not await self.reopen_private(PlaceRef(room_id)):
            raise Unreachable("the private room could not be reopened")
        return PlaceRef.of(await self.bot.local_room(room_id))

    async def open_private(self, community: int, parent: Place, name: str) -> PlaceRef | None:
        try:
            created = await self.bot.call(Method.POST, Path.v3.createRoom, {
                "preset": "private_chat", "name": name[:200],
                "initial_state": [{"type": "m.room.join_rules", "state_key": "", "content": {"join_rule": "invite"}},
                                  {"type": "m.room.history_visibility", "state_key": "",
                                   "content": {"history_visibility": "joined"}}],
                "creation_content": {"m.federate": False},
            })
        except _FAILURES as exc:
            log.warning("could not open a private room (%s)", type(exc).__name__)
            return None
        room_id = str(created["room_id"])
        await self.bot.store.set_state(self._private_key(name), room_id)
        return PlaceRef.of(await self.bot.local_room(room_id))

    async def _events_level(self, space: PlaceRef, level: int) -> bool:
        room_id = await self.bot.store.matrix(space.id)
        if room_id is None:
            return False
        path = Path.v3.rooms[room_id].state["m.room.power_levels"][""]
        try:
            levels = await self.bot.call(Method.GET, path)
            if levels.get("events_default", 0) != level:
                await self.bot.call(Method.PUT, path, {**levels, "events_default": level})
        except _FAILURES as exc:
            log.warning("could not change who may write in a private room (%s)", type(exc).__name__)
            return False
        return True

    async def reopen_private(self, space: PlaceRef) -> bool:
        return await self._events_level(space, 0)

    async def close_private(self, space: PlaceRef) -> bool:
        return await self._events_level(space, 100)

    async def invite_private(self, space: PlaceRef, members: Sequence[UserRef]) -> bool:
        room_id = await self.bot.store.matrix(space.id)
        if room_id is None:
            return False
        return await self._invite(room_id, members)

    async def _invite(self, room_id: str, members: Sequence[UserRef]) -> bool:
        try:
            answer = await self.bot.call(Method.GET, Path.v3.rooms[room_id].members)
            present = {e.get("state_key") for e in answer.get("chunk", [])
                       if (e.get("content") or {}).get("membership") in ("join", "invite")}
            for member in members:
                matrix_user = await self.bot.store.matrix(member.id)
                if matrix_user is None or matrix_user in present:
                    continue
                await self.bot.call(Method.POST, Path.v3.rooms[room_id].invite, {"user_id": matrix_user})
        except _FAILURES as exc:
            log.warning("could not invite to a room (%s)", type(exc).__name__)
            return False
        return True

    async def relabel(self, community: int, user: UserRef, *, add: Sequence[Label] = (),
                      remove: Sequence[Label] = ()) -> Relabeled:
        matrix_user = await self.bot.store.matrix(user.id)
        if matrix_user is None or not self.bot.is_community_member(matrix_user):
            return Relabeled()  # nobody we know, or no longer here: nothing to change
        try:
            for label in add:
                room_id = await self._staff_room(label)
                if room_id is not None and not await self._invite(room_id, [user]):
                    return Relabeled(failed=True)
            for label in remove:
                room_id = await self._staff_room(label)
                if room_id is not None and matrix_user in self.bot.members_of(room_id):
                    await self.bot.call(Method.POST, Path.v3.rooms[room_id].kick, {"user_id": matrix_user})
        except MatrixRequestError as exc:
            log.warning("could not change the labels of member %s (HTTP %s)", user.id, exc.http_status)
            if exc.http_status == 403:
                return Relabeled(refused=tuple(label.name for label in (*add, *remove)))
            return Relabeled(failed=True)
        except (MatrixConnectionError, TimeoutError) as exc:
            log.warning("could not change the labels of member %s (%s)", user.id, type(exc).__name__)
            return Relabeled(failed=True)
        await self.bot.store.change_labels(int(user.id), community, [label.name for label in add],
                                           [label.name for label in remove])
        return Relabeled()

    async def _staff_room(self, label: Label) -> str | None:
        if label.chosen:
            chosen = await self.bot.store.matrix(label.chosen)
            if chosen and chosen.startswith("!"):
                return chosen
        place = BY_NAME.get(label.name)
        if place is None or not place.staff:
            return None
        return await self.bot.place_room(place)


class MatrixExchange:
    """One member's turn on Matrix: a command they typed, a prompt they answered, a form they finished."""

    def __init__(self, bot: MatrixBot, *, user: int, matrix_user: str, room_id: str, community: int | None,
                 language: str, staff: frozenset[Capability], manager: bool, turn: str,
                 prompt_event: str | None = None) -> None:
        self.bot = bot
        self._user = user
        self.matrix_user = matrix_user
        self.room_id = room_id
        self._community = community
        self._language = language
        self._staff = staff
        self._manager = manager
        self.turn = turn  # the member's event id: every answer's key derives from it
        self.prompt_event = prompt_event
        self._count = 0

    @property
    def user(self) -> UserRef:
        return UserRef.of(self._user)

    @property
    def community(self) -> int | None:
        return self._community

    @property
    def language(self) -> str:
        return self._language

    def holds(self, *capabilities: Capability) -> bool:
        return self._manager or any(c in self._staff for c in capabilities)

    def _key(self) -> str:
        self._count += 1
        return f"matrix:turn:{self.turn}:{self._count}"

    async def private_room(self) -> str:
        """The member's direct room (where private answers and dialogues go)."""
        return await self.bot.direct_room(self._user, self.matrix_user)

    async def answer(self, message: Message) -> None:
        room_id = await self.private_room()
        key = self._key()
        await self.bot.conversation.send_with_controls(room_id, message, key=key, language=self._language,
                                                       user=self._user, community=self._community)
        if message.files:
            await self.bot.conversation.send_files(room_id, message.files, key=key)

    async def replace(self, message: Message) -> None:
        if self.prompt_event is None:
            await self.answer(message)
            return
        outcome = await self.bot.conversation.replace_event(self.room_id, self.prompt_event, message,
                                                            language=self._language, user=self._user,
                                                            key=self._key())
        if outcome is not Delivery.SENT:
            await self.answer(message)

    async def ask(self, form: Form) -> None:
        from bot.matrix.dispatch import ask_field

        room_id = await self.private_room()
        fields = [{"name": f.name, "label": f.label, "required": f.required, "default": f.default,
                   "max_length": f.max_length} for f in form.fields]
        prompt = await self.bot.store.open_prompt(
            user_id=self._user, room_id=room_id, kind="form", action=str(form.action), options=fields,
            language=self._language, community=self._community, title=form.title)
        await ask_field(self.bot, room_id, prompt, form.title, fields, 0, self._language, key=self._key())
