"""The Matrix tests: a real Synapse on 127.0.0.1 and real Matrix clients as the members.

- `synapse`: one homeserver for the whole test run, with its rate limits lifted (started on first
  use, stopped at the end of the session, ~2 s to start on an idle machine).
- `synapse_default_limits`: a second homeserver with Synapse's default rate limits, as a real
  server keeps them, started only when a test asks for it. (A per-user exemption on one server
  would not do: Synapse's per-room join and per-invitee limits are not lifted by it.)
- `matrix`: a fresh community on `synapse` for one test: a bot account (exempted from rate limits,
  as the README tells a server admin to do), the space with its rooms owned by the bot, and
  `await matrix.member("amina")` for member clients.

Nothing here is skipped: when Synapse is not installed the tests fail and say how to install it.
Waiting is done on the server's answers (a long-polling /sync with a timeout), never by sleeping.
"""

from __future__ import annotations

import itertools
import secrets
import urllib.parse
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.matrix.homeserver import (
    Account,
    Community,
    Homeserver,
    HomeserverAdmin,
    HomeserverMissing,
    Limits,
    MatrixRequestError,
)

HERE = Path(__file__).resolve().parent
_counter = itertools.count(1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test in tests/matrix carries the `matrix` marker (`pytest -m matrix` runs only them)."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.matrix)


def _start(tmp_path_factory: pytest.TempPathFactory, limits: Limits) -> Iterator[Homeserver]:
    try:
        server = Homeserver.start(tmp_path_factory.mktemp(f"synapse-{limits}"), limits=limits)
    except HomeserverMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Homeserver]:
    """A homeserver with lifted rate limits for the whole test run."""
    yield from _start(tmp_path_factory, "lifted")


@pytest.fixture(scope="session")
def synapse_default_limits(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Homeserver]:
    """A homeserver with Synapse's default rate limits (started only if a test asks for it)."""
    yield from _start(tmp_path_factory, "default")


def unique(name: str) -> str:
    """A localpart no other test of this run uses."""
    return f"{name}-{next(_counter)}-{secrets.token_hex(2)}"


# ----- a member's Matrix client ----------------------------------------------------------------------
@dataclass
class MemberClient:
    """A real Matrix client for one member, on plain HTTP calls (independent of the bot's library).

    It keeps its own /sync position: every event it receives is kept, in order, per room, and the
    `next_*` methods hand out the oldest matching one not handed out yet, waiting (long-polling
    /sync) when there is none.
    """

    url: str
    account: Account
    session: aiohttp.ClientSession
    since: str | None = None
    timeline: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    invites: list[str] = field(default_factory=list)
    _handed: set[str] = field(default_factory=set)
    _invites_handed: int = 0

    @property
    def user_id(self) -> str:
        return self.account.user_id

    async def request(self, method: str, path: str, body: Any = None, *,
                      params: Mapping[str, str] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.account.access_token}"}
        async with self.session.request(method, self.url + path, json=body, headers=headers,
                                        params=params) as answer:
            data = await answer.json(content_type=None)
            if answer.status >= 400:
                raise MatrixRequestError(method, path, answer.status, data)
            return data

    async def sync(self, timeout: float = 0.0) -> None:
        """One /sync: waits up to `timeout` seconds for something new, keeps what arrives."""
        params = {"timeout": str(int(timeout * 1000)),
                  "filter": '{"room":{"timeline":{"limit":100},"state":{"lazy_load_members":true}},'
                            '"presence":{"types":[]},"account_data":{"types":[]}}'}
        if self.since:
            params["since"] = self.since
        data = await self.request("GET", "/_matrix/client/v3/sync", params=params)
        self.since = data["next_batch"]
        rooms = data.get("rooms", {})
        for room_id, joined in rooms.get("join", {}).items():
            self.timeline.setdefault(room_id, []).extend(joined.get("timeline", {}).get("events", []))
        for room_id in rooms.get("invite", {}):
            if room_id not in self.invites:
                self.invites.append(room_id)

    async def join(self, room_id: str) -> None:
        await self.request("POST", f"/_matrix/client/v3/join/{_q(room_id)}", {})
        self.timeline.setdefault(room_id, [])

    async def leave(self, room_id: str) -> None:
        await self.request("POST", f"/_matrix/client/v3/rooms/{_q(room_id)}/leave", {})

    async def send_event(self, room_id: str, event_type: str, content: Mapping[str, Any]) -> str:
        txn = secrets.token_hex(8)
        answer = await self.request(
            "PUT", f"/_matrix/client/v3/rooms/{_q(room_id)}/send/{_q(event_type)}/{txn}", dict(content))
        return str(answer["event_id"])

    async def send(self, room_id: str, text: str) -> str:
        """A text message as a member types it (`m.text`)."""
        return await self.send_event(room_id, "m.room.message", {"msgtype": "m.text", "body": text})

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        """A reaction (an annotation with `key`, e.g. "1️⃣" or "👍") on `event_id`."""
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        return await self.send_event(room_id, "m.reaction", content)

    async def state(self, room_id: str, event_type: str, state_key: str = "") -> dict[str, Any]:
        """The content of one state event of a room (a refusal raises `MatrixRequestError`)."""
        return await self.request(
            "GET", f"/_matrix/client/v3/rooms/{_q(room_id)}/state/{_q(event_type)}/{_q(state_key)}")

    async def room_state(self, room_id: str) -> list[dict[str, Any]]:
        """Every current state event of a room."""
        return await self.request("GET", f"/_matrix/client/v3/rooms/{_q(room_id)}/state")

    async def joined_rooms(self) -> list[str]:
        return (await self.request("GET", "/_matrix/client/v3/joined_rooms"))["joined_rooms"]

    async def next_event(self, room_id: str, *, sender: str | None = None, event_type: str | None = None,
                         timeout: float = 15.0) -> dict[str, Any]:
        """The next event in `room_id` this client has not been handed yet (from `sender`, of `event_type`).

        Waits for it by long-polling /sync; fails the test after `timeout` seconds with what did arrive.
        """
        import time

        deadline = time.monotonic() + timeout
        while True:
            events = self.timeline.get(room_id, [])
            for event in events:
                if event.get("event_id") in self._handed or event.get("sender") == self.user_id:
                    continue
                if sender is not None and event.get("sender") != sender:
                    continue
                if event_type is not None and event.get("type") != event_type:
                    continue
                self._handed.add(event["event_id"])
                return event
            left = deadline - time.monotonic()
            if left <= 0:
                seen = [(e.get("sender"), e.get("type"), e.get("content", {}).get("body")) for e in events
                        if e.get("event_id") not in self._handed]
                raise AssertionError(f"{self.user_id} saw no {event_type or 'event'} from {sender or 'anyone'} "
                                     f"in {room_id} within {timeout:g} s; it saw {seen}")
            await self.sync(timeout=min(left, 5.0))

    async def next_message(self, room_id: str, *, sender: str | None = None, timeout: float = 15.0) -> dict[str, Any]:
        """The next `m.room.message` in `room_id` (from `sender`, e.g. the bot), waiting up to `timeout` s."""
        return await self.next_event(room_id, sender=sender, event_type="m.room.message", timeout=timeout)

    async def next_text(self, room_id: str, *, sender: str | None = None, timeout: float = 15.0) -> str:
        """The body of the next message from `sender` in `room_id`."""
        return str((await self.next_message(room_id, sender=sender, timeout=timeout))["content"].get("body", ""))

    async def next_invite(self, *, timeout: float = 15.0) -> str:
        """The id of the next room this member is invited to (e.g. the bot's direct room)."""
        import time

        deadline = time.monotonic() + timeout
        while len(self.invites) <= self._invites_handed:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{self.user_id} was invited nowhere within {timeout:.0f} s")
            await self.sync(timeout=min(left, 5.0))
        self._invites_handed += 1
        return self.invites[self._invites_handed - 1]


def _q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


async def login(session: aiohttp.ClientSession, url: str, user: str, password: str) -> Account:
    """Log in with a password as any Matrix client does (`m.login.password`)."""
    body = {"type": "m.login.password", "identifier": {"type": "m.id.user", "user": user}, "password": password}
    async with session.post(f"{url}/_matrix/client/v3/login", json=body) as answer:
        data = await answer.json(content_type=None)
        if answer.status >= 400:
            raise MatrixRequestError("POST", "/_matrix/client/v3/login", answer.status, data)
    return Account(data["user_id"], password, data["access_token"], data["device_id"])


# ----- a community for one test ----------------------------------------------------------------------
@dataclass
class MatrixCommunity:
    """A fresh community on a homeserver: the bot's account, the space and rooms, member clients."""

    homeserver: Homeserver
    admin: HomeserverAdmin
    session: aiohttp.ClientSession
    bot: Account
    community: Community
    members: list[MemberClient] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.homeserver.url

    def room(self, name: str) -> str:
        return self.community.room(name)

    async def member(self, name: str, *, staff: tuple[str, ...] = (), exempt: bool = True,
                     join: tuple[str, ...] = ("welcome",)) -> MemberClient:
        """A member with a fresh account, in the space and the `join` rooms and the `staff` rooms.

        `exempt=False` keeps the server's per-user rate limits for this member.
        """
        account = await self.admin.register(unique(name), displayname=name.capitalize())
        if exempt:
            await self.admin.exempt_from_rate_limits(account.user_id)
        client = MemberClient(self.url, account, self.session)
        await client.sync()
        await client.join(self.community.space_id)
        for place in join:
            await client.join(self.room(place))
        for place in staff:
            await self.admin.add_member(self.bot, self.room(place), account)
            client.timeline.setdefault(self.room(place), [])
        self.members.append(client)
        return client

    def settings(self) -> dict[str, str]:
        """The bot's Matrix settings for this community, as environment variables."""
        return {
            "MATRIX_HOMESERVER": self.url,
            "MATRIX_USER_ID": self.bot.user_id,
            "MATRIX_ACCESS_TOKEN": self.bot.access_token,
            "MATRIX_DEVICE_ID": self.bot.device_id,
            "MATRIX_SPACE": self.community.space_id,
        }


async def open_community(homeserver: Homeserver, session: aiohttp.ClientSession, *,
                         exempt_bot: bool = True) -> MatrixCommunity:
    admin = homeserver.admin(session)
    bot = await admin.register(unique("bot"), displayname="Multinations bot")
    if exempt_bot:
        await admin.exempt_from_rate_limits(bot.user_id)
    community = await admin.create_community(bot)
    return MatrixCommunity(homeserver, admin, session, bot, community)


@pytest.fixture
async def matrix(synapse: Homeserver) -> AsyncIterator[MatrixCommunity]:
    """A fresh community (bot account, space, rooms) on the lifted-limits homeserver."""
    async with aiohttp.ClientSession() as session:
        yield await open_community(synapse, session)


@pytest.fixture
async def matrix_default_limits(synapse_default_limits: Homeserver) -> AsyncIterator[MatrixCommunity]:
    """A fresh community on the homeserver with Synapse's default limits (the bot exempted, as advised)."""
    async with aiohttp.ClientSession() as session:
        yield await open_community(synapse_default_limits, session)
