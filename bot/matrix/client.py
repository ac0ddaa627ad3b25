"""The Matrix bot: logs in with an access token, follows the sync stream, and hands members' turns
to the same command handlers and flow routes the Discord cogs use.

- One community: the space (`MATRIX_SPACE`). Its rooms are the places; a place is found by the
  organizers' choice (a stored room) or by the conventional name (`welcome`, `volunteers`, ...) as the
  room's name or alias among the space's children.
- Staff groups (volunteers, organizers, coordinators, translators) are the joined members of their
  rooms; whoever created the space or has power level 100 in it manages the community (may do every
  staff action). Both are read from the sync stream, in order with the commands, so a member
  removed from a staff room is refused from their very next command.
- The sync position is stored after every batch was handled; replies carry transaction ids derived
  from the command's event id, so a batch handled again after a crash is not answered twice.
- Members' own direct rooms are created by the bot (unencrypted, `is_direct`, recorded in `m.direct`).
  In an encrypted room the bot cannot read, it says once how to reach it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import ClientSession, ClientTimeout
from mautrix.api import Method, Path
from mautrix.errors import MatrixConnectionError, MatrixRequestError

from bot.core.access import Capability
from bot.core.conversation import Message, Parts, UserRef
from bot.core.errors import UserError
from bot.core.places import COORDINATORS, ORGANIZERS, TRANSLATORS, VOLUNTEERS, Place
from bot.core.retention import MemberRetention
from bot.core.services import Services
from bot.core.settings import SettingsError
from bot.matrix.http import PacedAPI, Pacer
from bot.matrix.render import render_message
from bot.matrix.store import EVENT, NEXT_BATCH, ROOM, USER, MatrixStore

log = logging.getLogger(__name__)
#: mautrix logs every request's body at DEBUG: members' messages. Never below INFO, whatever LOG_LEVEL says.
WIRE_LOG = logging.getLogger("bot.matrix.wire")
WIRE_LOG.setLevel(logging.INFO)

#: The staff group of each capability is the membership of this place's room.
STAFF_PLACES: dict[Capability, Place] = {
    Capability.VOLUNTEER: VOLUNTEERS,
    Capability.ORGANIZER: ORGANIZERS,
    Capability.COORDINATOR: COORDINATORS,
    Capability.TRANSLATOR: TRANSLATORS,
}
MANAGER_LEVEL = 100
#: Long-poll of one sync (milliseconds), and the HTTP read timeout around it (seconds).
SYNC_TIMEOUT_MS = 25000
READ_TIMEOUT = 60.0
#: After a failed sync (the HTTP layer already retried it), wait this long before the next (seconds).
SYNC_PAUSE = 2.0
#: More members with turns in one batch than this is a burst: cycle collection waits until it is handled.
BURST_MEMBERS = 4
#: Events a room's timeline gives per sync (a command sent while the bot was down is among them).
TIMELINE_LIMIT = 200
SYNC_FILTER = (
    '{"presence":{"not_types":["*"]},"account_data":{"not_types":["*"]},'
    f'"room":{{"timeline":{{"limit":{TIMELINE_LIMIT}}},"ephemeral":{{"not_types":["*"]}},'
    '"account_data":{"not_types":["*"]}}}'
)


@dataclass(frozen=True, slots=True)
class MatrixConfig:
    """How to reach the homeserver and the community."""

    homeserver: str
    user_id: str
    access_token: str
    space: str  # a room id `!space:hs` or an alias `#community:hs`


def txn_id(key: str) -> str:
    """The transaction id of an idempotency key: the same on every retry and after a restart."""
    return "mnb-" + hashlib.sha256(key.encode()).hexdigest()[:40]


#: The space's members as of the last handled batch, as digests (never the ids themselves): who joined
#: while the bot was down is told apart from who was there before.
SPACE_MEMBERS = "space_members"


def member_digest(matrix_user: str) -> str:
    """A member's id as the stored list of the space's members keeps it."""
    return hashlib.sha256(matrix_user.encode()).hexdigest()[:24]


class MatrixBot:
    """The adapter's runtime: homeserver connection, rooms, membership, the sync loop."""

    def __init__(self, services: Services, config: MatrixConfig, *, session: Any = None,
                 pacer: Pacer | None = None, sync_timeout_ms: int = SYNC_TIMEOUT_MS,
                 backoff: float | None = None) -> None:
        self.services = services
        self.config = config
        self._own_session = session is None
        self.session = session or ClientSession(timeout=ClientTimeout(total=None, sock_read=READ_TIMEOUT))
        self.api = PacedAPI(config.homeserver, config.access_token, client_session=self.session, pacer=pacer,
                            log=WIRE_LOG)
        if backoff is not None:
            self.api.backoff = backoff
        self.store = MatrixStore(services.db, services.clock)
        services.privacy.register(self.store.privacy_section())
        self.user_id = config.user_id
        self.space_id = ""
        self.community = 0
        self.sync_timeout_ms = sync_timeout_ms
        self._rooms_by_name: dict[str, str] = {}
        self._members: dict[str, set[str]] = {}
        self._levels: dict[str, dict[str, Any]] = {}
        self._creators: dict[str, set[str]] = {}
        self._encrypted: set[str] = set()
        self._stopping = asyncio.Event()
        #: Set once the sync position is known (on a first start: after the initial sync), so members'
        #: commands from then on are answered.
        self.ready = asyncio.Event()
        self._on_join: list[Callable[[int, UserRef], Awaitable[None]]] = []
        self._on_leave: list[Callable[[int, UserRef], Awaitable[None]]] = []
        self.handled = 0
        #: The features installed over this adapter (`bot.matrix.features`), by name.
        self.features: dict[str, Any] = {}
        #: Departed members' data is deleted after the retention period, as on Discord.
        self.retention = MemberRetention(services.jobs, services.privacy, services.clock,
                                         services.settings.retention_days_after_leave)
        self.retention.register()
        self._community_members: set[str] = set()
        self._members_changed = False
        self._direct_locks: dict[int, asyncio.Lock] = {}
        from bot.matrix.conversation import MatrixConversation
        from bot.matrix.dispatch import Dispatcher

        self.conversation = MatrixConversation(self)
        self.dispatcher = Dispatcher(self)

    # ----- raw calls ------------------------------------------------------------------------------
    async def call(self, method: Method, path: Any, content: Any = None,
                   query: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Any:
        """One request to the client-server API."""
        return await self.api.request(method, path, content, headers=headers, query_params=query)

    async def send(self, room_id: str, content: dict[str, Any], *, key: str | None = None,
                   event_type: str = "m.room.message") -> str:
        """Send an event (with the key's transaction id: a repeat is dropped by the homeserver)."""
        txn = txn_id(key) if key is not None else self.api.get_txn_id()
        answer = await self.call(Method.PUT, Path.v3.rooms[room_id].send[event_type][txn], content)
        return str(answer["event_id"])

    async def send_message(self, room_id: str, message: Message, *, key: str | None = None,
                           reader: str = "") -> str:
        """A port message (without controls) as a notice."""
        return await self.send(room_id, await self.render(message, reader), key=key)

    async def render(self, message: Message, reader: str = "", extra: list[str] | None = None) -> dict[str, Any]:
        """A port message as event content."""
        return await render_message(message, self.store.matrix, self.services.translator, reader, extra)

    # ----- start ----------------------------------------------------------------------------------
    async def login(self) -> None:
        """Check the token and the space; raise `SettingsError` naming what is wrong."""
        try:
            whoami = await self.call(Method.GET, Path.v3.account.whoami)
        except MatrixRequestError as exc:
            if exc.http_status in (401, 403):
                raise SettingsError("MATRIX_ACCESS_TOKEN", "was refused by the homeserver.") from None
            raise SettingsError("MATRIX_HOMESERVER", f"answered HTTP {exc.http_status} instead of a "
                                "Matrix client API.") from None
        except (MatrixConnectionError, OSError, TimeoutError):
            raise SettingsError("MATRIX_HOMESERVER", f"could not be reached at {self.config.homeserver}.") from None
        if whoami.get("user_id") != self.user_id:
            raise SettingsError("MATRIX_USER_ID", f"is {self.user_id}, but the access token belongs to "
                                f"{whoami.get('user_id')}.")
        space = self.config.space
        try:
            if space.startswith("#"):
                found = await self.call(Method.GET, Path.v3.directory.room[space])
                space = str(found["room_id"])
            joined = (await self.call(Method.GET, Path.v3.joined_rooms)).get("joined_rooms", [])
            if space not in joined:
                await self.call(Method.POST, Path.v3.join[space])
        except MatrixRequestError:
            raise SettingsError("MATRIX_SPACE", f"{self.config.space} is not a space the bot can join "
                                "(invite the bot user to it).") from None
        self.space_id = space
        self.community = await self.store.local(ROOM, space)

    async def prepare(self) -> None:
        """Join the space's rooms, read staff membership and power levels."""
        await self.refresh_rooms()
        joined = set((await self.call(Method.GET, Path.v3.joined_rooms)).get("joined_rooms", []))
        for room_id in set(self._rooms_by_name.values()) - joined:
            with contextlib.suppress(MatrixRequestError):
                await self.call(Method.POST, Path.v3.join[room_id])
        for room_id in {self.space_id, *(r for r in (await self._staff_rooms()).values() if r)}:
            await self._load_room(room_id)
        self._community_members = set(self._members.get(self.space_id, set()))

    async def _load_room(self, room_id: str) -> None:
        try:
            joined = await self.call(Method.GET, Path.v3.rooms[room_id].joined_members)
            self._members[room_id] = set(joined.get("joined", {}))
            state = await self.call(Method.GET, Path.v3.rooms[room_id].state)
        except MatrixRequestError:
            return
        for event in state:
            self._apply_state(room_id, event)

    async def refresh_rooms(self) -> None:
        """The space's child rooms by name and alias."""
        try:
            answer = await self.call(Method.GET, Path.v1.rooms[self.space_id].hierarchy,
                                     query={"max_depth": "1", "limit": "200"})
        except MatrixRequestError as exc:
            log.warning("could not read the space's rooms (HTTP %s)", exc.http_status)
            return
        names: dict[str, str] = {}
        for room in answer.get("rooms", []):
            room_id = room.get("room_id")
            if not room_id or room_id == self.space_id:
                continue
            for label in (room.get("name"), (room.get("canonical_alias") or "").lstrip("#").split(":")[0]):
                if label:
                    names.setdefault(str(label).lower().lstrip("#"), room_id)
        self._rooms_by_name = names

    async def place_room(self, place: Place) -> str | None:
        """The room of a place: the organizers' choice, else the space's room with the conventional name."""
        chosen = await self.services.places.chosen(self.community, place)
        if chosen:
            matrix_id = await self.store.matrix(chosen)
            if matrix_id:
                return matrix_id
        room = self._rooms_by_name.get(place.fallback)
        if room is None:
            await self.refresh_rooms()
            room = self._rooms_by_name.get(place.fallback)
        return room

    async def _staff_rooms(self) -> dict[Capability, str | None]:
        return {cap: await self.place_room(place) for cap, place in STAFF_PLACES.items()}

    # ----- membership and permission --------------------------------------------------------------
    def _apply_state(self, room_id: str, event: dict[str, Any]) -> None:
        kind = event.get("type")
        content = event.get("content") or {}
        if kind == "m.room.member":
            member = event.get("state_key", "")
            joined = self._members.setdefault(room_id, set())
            if content.get("membership") == "join":
                joined.add(member)
            else:
                joined.discard(member)
        elif kind == "m.room.power_levels":
            self._levels[room_id] = content
        elif kind == "m.room.create":
            creators = {event.get("sender", "")}
            creators.update(content.get("additional_creators") or [])
            self._creators[room_id] = creators
        elif kind == "m.room.encryption":
            self._encrypted.add(room_id)

    def is_manager(self, matrix_user: str) -> bool:
        """Created the space (room version 12: creators outrank every level) or holds level 100 in it."""
        if matrix_user in self._creators.get(self.space_id, set()):
            return True
        levels = self._levels.get(self.space_id, {})
        return int((levels.get("users") or {}).get(matrix_user, levels.get("users_default", 0))) >= MANAGER_LEVEL

    async def staff_of(self, matrix_user: str) -> frozenset[Capability]:
        """The staff groups whose room the member has joined."""
        held: set[Capability] = set()
        for cap, room_id in (await self._staff_rooms()).items():
            if room_id is None:
                continue
            if room_id not in self._members:
                await self._load_room(room_id)
            if matrix_user in self._members.get(room_id, set()):
                held.add(cap)
        return frozenset(held)

    def is_community_member(self, matrix_user: str) -> bool:
        """Whether the user is joined to the community's space right now."""
        return matrix_user in self._community_members

    def in_space(self, room_id: str) -> bool:
        """A room of the community (the space or one of its rooms)."""
        return room_id == self.space_id or room_id in self._rooms_by_name.values()

    def on_join(self, hook: Callable[[int, UserRef], Awaitable[None]]) -> None:
        """Call `hook(community, member)` when a member joins one of the space's rooms for the first time."""
        self._on_join.append(hook)

    # ----- direct rooms ---------------------------------------------------------------------------
    def on_leave(self, hook: Callable[[int, UserRef], Awaitable[None]]) -> None:
        """Call `hook(community, user)` when a member leaves the space (after the forgetting is planned)."""
        self._on_leave.append(hook)

    async def direct_room(self, user: int, matrix_user: str) -> str:
        """The member's direct room, created now (unencrypted, marked direct) when there is none."""
        lock = self._direct_locks.setdefault(user, asyncio.Lock())
        async with lock:  # a job and a turn writing to the same member make one room
            existing = await self.store.direct_room(user)
            if existing is not None:
                return existing
            return await self._new_direct_room(user, matrix_user)

    async def _new_direct_room(self, user: int, matrix_user: str) -> str:
        created = await self.call(Method.POST, Path.v3.createRoom, {
            "preset": "trusted_private_chat", "is_direct": True, "invite": [matrix_user],
            "creation_content": {"m.federate": False},
        })
        room_id = str(created["room_id"])
        await self.store.set_direct_room(user, room_id)
        await self._mark_direct(matrix_user, room_id)
        t = await self.translator_for(user)
        parts = Parts()
        welcome = parts.text(t._(
            "This is your private room with the bot. It is not encrypted (the bot cannot read encrypted "
            "rooms), so the administrators of the homeserver could read it. Write {help} to see what you can do.",
            help=parts.command("help", shown_in=t.code)))
        await self.send_message(room_id, Message(welcome), key=f"matrix:direct-hello:{room_id}", reader=t.code)
        return room_id

    async def _mark_direct(self, matrix_user: str, room_id: str) -> None:
        path = Path.v3.user[self.user_id].account_data["m.direct"]
        try:
            current = await self.call(Method.GET, path)
        except MatrixRequestError:
            current = {}
        rooms = list(current.get(matrix_user, []))
        if room_id not in rooms:
            rooms.append(room_id)
            current[matrix_user] = rooms
            await self.call(Method.PUT, path, current)

    async def account_data(self, kind: str) -> dict[str, Any]:
        """The bot's account data of a type (empty when unset)."""
        try:
            return dict(await self.call(Method.GET, Path.v3.user[self.user_id].account_data[kind]))
        except MatrixRequestError:
            return {}

    async def translator_for(self, user: int) -> Any:
        """The member's translator (the one locale rule; Matrix clients tell no locale)."""
        return await self.services.translator_for_user(user, self.community or None)

    # ----- the sync loop --------------------------------------------------------------------------
    async def sync_once(self, since: str | None, timeout_ms: int) -> dict[str, Any]:
        """One /sync."""
        query = {"filter": SYNC_FILTER, "timeout": str(timeout_ms)}
        if since:
            query["since"] = since
        return await self.call(Method.GET, Path.v3.sync, query=query)

    async def run(self) -> None:
        """Log in, prepare, then follow the sync stream until `stop()`."""
        if not self.space_id:
            await self.login()
        await self.prepare()
        since = await self.store.state(NEXT_BATCH)
        await self._arrived_while_away(first_start=since is None)
        while since is None and not self._stopping.is_set():
            # First start: what was said before the bot existed is not a command to it.
            try:
                first = await self.sync_once(None, 0)
            except (MatrixRequestError, MatrixConnectionError, TimeoutError) as exc:
                log.warning("the first sync failed (%s): trying again", type(exc).__name__)
                await self._pause(SYNC_PAUSE)
                continue
            await self._accept_invites(first)
            since = str(first["next_batch"])
            await self.store.set_state(NEXT_BATCH, since)
        first_batch = True
        while not self._stopping.is_set():
            try:
                data = await self._sync_or_stop(since, 0 if first_batch else self.sync_timeout_ms)
            except (MatrixRequestError, MatrixConnectionError, TimeoutError) as exc:
                log.warning("sync failed (%s): trying again", type(exc).__name__)
                await self._pause(SYNC_PAUSE)
                continue
            if data is None:
                break
            await self.handle_sync(data)
            if self._members_changed:
                await self._store_members()
            if first_batch:
                # What happened while the bot was away is handled: from now on it is live.
                first_batch = False
                self.ready.set()
                self.services.collector.ready()  # start-up's objects out of later cycle collections
            since = str(data["next_batch"])
            await self.store.set_state(NEXT_BATCH, since)

    async def _store_members(self) -> None:
        digests = sorted(member_digest(m) for m in self._community_members)
        await self.store.set_state(SPACE_MEMBERS, json.dumps(digests))
        self._members_changed = False

    async def _arrived_while_away(self, *, first_start: bool) -> None:
        """Welcome who joined the space while the bot was down (their join events came before the sync
        position it resumes from, or were read with the space's members at start). On the first start, and
        when no list was kept yet, everyone present counts as already there."""
        kept = await self.store.state(SPACE_MEMBERS)
        if first_start or kept is None:
            await self._store_members()
            return
        known = set(json.loads(kept))
        for member in sorted(self._community_members):
            if member != self.user_id and member_digest(member) not in known:
                await self._arrived(member)
        await self._store_members()

    async def _sync_or_stop(self, since: str, timeout_ms: int) -> dict[str, Any] | None:
        syncing = asyncio.ensure_future(self.sync_once(since, timeout_ms))
        stopping = asyncio.ensure_future(self._stopping.wait())
        done, _ = await asyncio.wait({syncing, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if syncing not in done:
            syncing.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await syncing
            return None
        stopping.cancel()
        return syncing.result()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def stop(self) -> None:
        """End the sync loop after the batch in hand."""
        self._stopping.set()

    async def close(self) -> None:
        """Close the HTTP session (when it is ours)."""
        if self._own_session:
            await self.session.close()

    async def _accept_invites(self, data: dict[str, Any]) -> None:
        for room_id in (data.get("rooms", {}).get("invite") or {}):
            try:
                await self.call(Method.POST, Path.v3.join[room_id])
            except MatrixRequestError as exc:
                log.info("could not accept an invite (HTTP %s)", exc.http_status)

    async def handle_sync(self, data: dict[str, Any]) -> None:
        """Apply state in order, then joins and departures, then members' turns (each member's in order,
        members side by side)."""
        await self._accept_invites(data)
        turns: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        arrivals: list[tuple[str, bool]] = []  # (member, joined: True / left the space: False), in order
        left_direct: list[tuple[str, str]] = []
        for room_id, room in (data.get("rooms", {}).get("join") or {}).items():
            for event in (room.get("state") or {}).get("events", []):
                self._apply_state(room_id, event)
            for event in (room.get("timeline") or {}).get("events", []):
                if "state_key" in event:
                    self._apply_state(room_id, event)
                    member = str(event.get("state_key", ""))
                    if event.get("type") != "m.room.member" or member == self.user_id:
                        continue
                    membership = (event.get("content") or {}).get("membership")
                    if membership in ("leave", "ban") and room_id not in self._rooms_by_name.values():
                        left_direct.append((room_id, member))
                    if not self.in_space(room_id):
                        continue
                    if membership == "join" and member not in self._community_members:
                        self._community_members.add(member)
                        self._members_changed = True
                        arrivals.append((member, True))
                    elif membership in ("leave", "ban") and room_id == self.space_id:
                        self._community_members.discard(member)
                        self._members_changed = True
                        arrivals.append((member, False))
                    continue
                sender = event.get("sender", "")
                if sender == self.user_id:
                    continue
                turns.setdefault(sender, []).append((room_id, event))
        for room_id, _room in (data.get("rooms", {}).get("leave") or {}).items():
            if await self.store.direct_member(room_id) is not None:
                await self.store.forget_direct_room(room_id)
        for room_id, member in left_direct:
            await self._left_direct(room_id, member)
        # Joins and departures first: a member's command after their join finds them welcomed.
        for member, joined in arrivals:
            await self._arrived(member) if joined else await self._departed(member)

        async def member_turns(items: list[tuple[str, dict[str, Any]]]) -> None:
            for room_id, event in items:
                try:
                    await self.dispatcher.handle(room_id, event)
                except Exception:
                    log.exception("a member's turn failed in the Matrix adapter")
                self.handled += 1

        burst = len(turns) > BURST_MEMBERS
        if burst:
            self.services.collector.burst_began()  # no cycle collection while many members wait
        try:
            await asyncio.gather(*(member_turns(items) for items in turns.values()))
        finally:
            if burst:
                self.services.collector.burst_ended()

    async def _left_direct(self, room_id: str, matrix_user: str) -> None:
        """The member left their direct room: forget it and leave too (the next message makes a new one)."""
        owner = await self.store.direct_member(room_id)
        if owner is None or owner != await self.store.known_local(matrix_user):
            return
        await self.store.forget_direct_room(room_id)
        with contextlib.suppress(MatrixRequestError, MatrixConnectionError):
            await self.call(Method.POST, Path.v3.rooms[room_id].leave)

    async def _departed(self, matrix_user: str) -> None:
        user = await self.store.known_local(matrix_user)
        if user is not None:
            await self.retention.member_left(self.community, user)
            for hook in self._on_leave:
                try:
                    await hook(self.community, UserRef.of(user))
                except Exception:
                    log.exception("a leave hook failed")
            await self.services.waker.reschedule()

    async def _arrived(self, matrix_user: str) -> None:
        user = await self.store.local(USER, matrix_user)
        await self.retention.member_returned(self.community, user)
        for hook in self._on_join:
            try:
                await hook(self.community, UserRef.of(user))
            except Exception:
                log.exception("a join hook failed")

    # ----- helpers for the conversation -----------------------------------------------------------
    async def local_user(self, matrix_user: str) -> int:
        """The member's local id."""
        return await self.store.local(USER, matrix_user)

    async def local_event(self, event_id: str) -> int:
        """An event's local id."""
        return await self.store.local(EVENT, event_id)

    async def local_room(self, room_id: str) -> int:
        """A room's local id."""
        return await self.store.local(ROOM, room_id)

    def room_link(self, room_id: str) -> str:
        """A matrix.to link to a room."""
        return f"https://matrix.to/#/{quote(room_id, safe='!:')}"

    async def user_error_text(self, t: Any, error: UserError) -> str:
        """The sentence of a refusal (command references written as `!command`)."""
        from bot.core.commands import refusal_text
        from bot.matrix.render import render_command

        return refusal_text(t, error, render_command)

    def members_of(self, room_id: str) -> Sequence[str]:
        """The joined members of a room the bot follows."""
        return sorted(self._members.get(room_id, set()))
