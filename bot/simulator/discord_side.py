"""Discord's side of the local guild simulator.

`FakeDiscord` keeps the state Discord would keep (guild, roles, channels, members, messages, DM
channels, interaction tokens) and answers the HTTP requests discord.py makes, through
`FakeSession`, which takes the place of the aiohttp session inside `discord.http.HTTPClient`.
Everything above aiohttp is the real discord.py (rate limiting, retries, webhooks, interaction
responses), so the bot cannot tell it apart from Discord.

Every visible effect is recorded as an `Action` (see `Action.as_json`). Faults can be injected per
route (`FakeDiscord.inject`). Before a request is acted on, the rate limiter (`ratelimits`) and
Discord's documented rules (`discord_rules`) may refuse it, as Discord would; every refusal is kept
in `FakeDiscord.refusals`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

import aiohttp
from multidict import CIMultiDict

from bot.simulator import conformance, discord_rules
from bot.simulator.clock import SimClock
from bot.simulator.ratelimits import RateLimiter

API_PREFIX = "/api/v10"
EPHEMERAL = 1 << 6
LOADING = 1 << 7
APP_ID = 1_100_000_000_000_000_001
BOT_USER_ID = APP_ID
GUILD_ID = 1_200_000_000_000_000_001

ALL_PERMISSIONS = (1 << 53) - 1
DEFAULT_MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 16) | (1 << 31)  # view, send, read history, use commands
ADMINISTRATOR = 1 << 3

_snowflakes = itertools.count(1_300_000_000_000_000_001)


def snowflake() -> int:
    """A new unique id."""
    return next(_snowflakes)


def iso(when: datetime) -> str:
    """Discord's timestamp format."""
    return when.astimezone(UTC).isoformat()


def user_object(user_id: int, username: str, global_name: str | None, *, bot: bool = False) -> dict[str, Any]:
    """A user object with every field Discord always sends."""
    data: dict[str, Any] = {"id": str(user_id), "username": username, "global_name": global_name,
                            "discriminator": "0", "avatar": None, "public_flags": 0, "flags": 0,
                            "primary_guild": None}
    if bot:
        data["bot"] = True
    return data


def stored_components(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Components as Discord stores them: each has a numeric `id` (numbered in order where the
    sender gave none), and select menus carry their `min_values`/`max_values` defaults."""
    taken: set[int] = set()

    def collect(items: list[dict[str, Any]]) -> None:
        for comp in items:
            if isinstance(comp.get("id"), int):
                taken.add(comp["id"])
            collect(comp.get("components") or [])
            if isinstance(comp.get("component"), dict):
                collect([comp["component"]])

    counter = itertools.count(1)

    def number(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for comp in items:
            comp = dict(comp)
            if not isinstance(comp.get("id"), int):
                comp["id"] = next(i for i in counter if i not in taken)
            if comp.get("type") in (3, 5, 6, 7, 8):
                comp.setdefault("min_values", 1)
                comp.setdefault("max_values", 1)
            if "components" in comp:
                comp["components"] = number(comp["components"])
            if isinstance(comp.get("component"), dict):
                comp["component"] = number([comp["component"]])[0]
            out.append(comp)
        return out

    collect(rows)
    return number(rows)


@dataclass(slots=True)
class Role:
    """A guild role."""

    id: int
    name: str
    position: int
    permissions: int = 0
    managed: bool = False

    def payload(self) -> dict[str, Any]:
        """As Discord sends it."""
        return {
            "id": str(self.id), "name": self.name, "position": self.position, "permissions": str(self.permissions),
            "color": 0, "colors": {"primary_color": 0}, "hoist": False, "managed": self.managed,
            "mentionable": False, "flags": 0,
        }


@dataclass(slots=True)
class Channel:
    """A guild text channel, a thread or a DM channel."""

    id: int
    name: str
    type: int = 0  # 0 text, 1 DM, 12 private thread
    recipient: int | None = None  # DM channels: the member
    parent_id: int | None = None
    thread_members: set[int] = field(default_factory=set)
    deleted: bool = False
    archived: bool = False  # threads: archived ones are not listed as active
    bot_can_send: bool = True
    created_at: datetime | None = None  # threads: when Discord created it
    archive_timestamp: datetime | None = None  # threads: when it was last archived or unarchived

    def payload(self) -> dict[str, Any]:
        """As Discord sends it."""
        if self.type == 1:
            return {"id": str(self.id), "type": 1, "last_message_id": None, "flags": 0,
                    "recipients": [user_object(self.recipient or 0, "member", None)]}
        data: dict[str, Any] = {
            "id": str(self.id), "type": self.type, "guild_id": str(GUILD_ID), "name": self.name, "position": 0,
            "permission_overwrites": [], "nsfw": False, "parent_id": str(self.parent_id) if self.parent_id else None,
            "topic": None, "last_message_id": None, "rate_limit_per_user": 0, "flags": 0,
        }
        if self.type in (11, 12):
            data["thread_metadata"] = {"archived": self.archived, "auto_archive_duration": 10080,
                                       "archive_timestamp": iso(self.archive_timestamp or datetime.now(UTC)),
                                       "locked": False, "invitable": False}
            if self.created_at is not None:
                data["thread_metadata"]["create_timestamp"] = iso(self.created_at)
            data["owner_id"] = str(BOT_USER_ID)
            data["member_count"] = len(self.thread_members)
            data["message_count"] = 0
            data["total_message_sent"] = 0
        return data


@dataclass(slots=True)
class Member:
    """A person (or bot) in the simulated guild."""

    id: int
    name: str
    locale: str = "en-US"
    roles: list[int] = field(default_factory=list)
    pending: bool = False
    bot: bool = False
    dms_open: bool = True
    present: bool = True
    joined_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def user_payload(self) -> dict[str, Any]:
        """The user object."""
        username = self.name.lower().replace(" ", "_")
        if username == self.name:
            username = self.name  # the same string, not a copy: discord.py's cache keeps it for every member
        return {**user_object(self.id, username, self.name), "bot": self.bot}

    def payload(self) -> dict[str, Any]:
        """The guild member object."""
        return {"user": self.user_payload(), "roles": [str(r) for r in self.roles], "nick": None,
                "joined_at": iso(self.joined_at), "deaf": False, "mute": False, "flags": 0,
                "pending": self.pending, "avatar": None, "banner": None, "premium_since": None,
                "communication_disabled_until": None}


@dataclass(slots=True)
class Message:
    """A message as Discord stores it, with who may see it."""

    id: int
    channel_id: int
    content: str
    embeds: list[dict[str, Any]]
    components: list[dict[str, Any]]
    flags: int = 0
    visible_to: int | None = None  # ephemeral: the one member who sees it
    interaction_token: str | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    nonce: str | None = None
    deleted: bool = False

    def payload(self) -> dict[str, Any]:
        """As Discord returns it."""
        return {
            "id": str(self.id), "channel_id": str(self.channel_id), "type": 0, "content": self.content,
            "author": user_object(BOT_USER_ID, "multinations", "Multinations", bot=True),
            "timestamp": iso(datetime.now(UTC)), "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": self.attachments,
            "embeds": self.embeds, "pinned": False, "flags": self.flags, "components": self.components,
            **({"nonce": self.nonce} if self.nonce is not None else {}),
        }


@dataclass(slots=True)
class Refusal:
    """A request the simulated Discord refused, as Discord would (the console prints it as an error)."""

    at: datetime
    method: str
    route: str
    status: int
    code: int
    message: str
    errors: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The console's JSON form."""
        data: dict[str, Any] = {"at": self.at.isoformat(), "kind": "refused", "request": f"{self.method} {self.route}",
                                "status": self.status, "code": self.code, "message": self.message}
        if self.errors:
            data["errors"] = self.errors
        return data

    @property
    def line(self) -> str:
        """One readable line."""
        return f"Discord refused {self.method} {self.route}: {self.status} {self.code} {self.message}"


@dataclass(slots=True)
class Action:
    """One visible effect of the bot, as the console prints it and tests assert on it."""

    at: datetime
    kind: str
    to: str = ""
    visible_to: str = "everyone"
    content: str = ""
    embeds: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)
    pinged_everyone: bool = False
    member: str | None = None
    role: str | None = None
    fields: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    message_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Content plus every embed's title, description and fields, for easy assertions."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [embed.get("title") or "", embed.get("description") or ""]
            parts += [f"{f.get('name', '')}\n{f.get('value', '')}" for f in embed.get("fields", [])]
            if embed.get("footer"):
                parts.append(embed["footer"].get("text", ""))
        return "\n".join(p for p in parts if p)

    def buttons(self) -> list[dict[str, Any]]:
        """The buttons, flattened."""
        return [c for c in self.components if c["kind"] == "button"]

    def as_json(self) -> dict[str, Any]:
        """The console's JSON form."""
        data: dict[str, Any] = {"at": self.at.isoformat(), "kind": self.kind}
        for name in ("to", "visible_to", "content", "embeds", "components", "mentions", "member", "role",
                     "fields", "files"):
            value = getattr(self, name)
            if value or name in ("kind", "to"):
                data[name] = value
        if self.pinged_everyone:
            data["pinged_everyone"] = True
        if self.message_id is not None:
            data["message_id"] = str(self.message_id)
        data.update(self.extra)
        return data


def flatten_components(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Discord component rows to a flat, readable list."""
    out: list[dict[str, Any]] = []
    kinds = {2: "button", 3: "select", 4: "text_input", 5: "user_select", 6: "role_select", 8: "channel_select"}

    def walk(items: list[dict[str, Any]]) -> None:
        for comp in items:
            ctype = comp.get("type")
            if ctype in (1, 17, 9) or "components" in comp:
                walk(comp.get("components", []))
                continue
            if ctype == 18 and "component" in comp:  # label wrapper
                walk([comp["component"]])
                continue
            entry: dict[str, Any] = {"kind": kinds.get(ctype, f"type{ctype}")}
            for key in ("label", "custom_id", "url", "placeholder", "disabled", "min_values", "max_values", "value"):
                if comp.get(key) not in (None, ""):
                    entry[key] = comp[key]
            if ctype == 2 and comp.get("emoji"):
                entry["emoji"] = comp["emoji"].get("name")
            if "options" in comp:
                entry["options"] = [
                    {"label": o["label"], "value": o["value"], **({"default": True} if o.get("default") else {})}
                    for o in comp["options"]
                ]
            out.append(entry)

    walk(rows)
    return out


_REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
            429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway"}


class FakeResponse:
    """Just enough of `aiohttp.ClientResponse` for discord.py."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.reason = _REASONS.get(status, "")
        self.body = body
        self._text = "" if body is None else json.dumps(body)
        self.headers = CIMultiDict(headers or {})
        if body is not None:
            self.headers.setdefault("content-type", "application/json")

    async def text(self, encoding: str = "utf-8") -> str:
        """The body."""
        return self._text

    async def read(self) -> bytes:
        """The body as bytes."""
        return self._text.encode()

    async def json(self) -> Any:
        """The body parsed."""
        return json.loads(self._text) if self._text else None

    async def __aenter__(self) -> FakeResponse:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def release(self) -> None:
        """Nothing to release."""


class FakeSession:
    """Stands in for `aiohttp.ClientSession`: every request goes to `FakeDiscord.handle`."""

    def __init__(self, discord_side: FakeDiscord) -> None:
        self._discord = discord_side
        self.closed = False
        self._on_the_wire: set[asyncio.Task[Any]] = set()  # callers waiting for an answer
        self._aborted: set[asyncio.Task[Any]] = set()

    def request(self, method: str, url: str, **kwargs: Any) -> _PendingResponse:
        """Start a request (used as `async with session.request(...) as response`)."""
        if self.closed:
            raise RuntimeError("Session is closed")  # as aiohttp refuses
        return _PendingResponse(self, method, url, kwargs)

    async def close(self) -> None:
        """Close: later requests are refused, and those on the wire fail at once (as with aiohttp)."""
        self.closed = True
        for caller in self._on_the_wire:
            self._aborted.add(caller)
            caller.cancel()

    async def ws_connect(self, *args: Any, **kwargs: Any) -> Any:
        """The simulator has no gateway socket: events are fed in directly."""
        raise RuntimeError("the local guild simulator has no gateway connection")


class _PendingResponse:
    def __init__(self, session: FakeSession, method: str, url: str, kwargs: dict[str, Any]) -> None:
        self._session = session
        self._args = (method, url, kwargs)
        self._response: FakeResponse | None = None

    async def __aenter__(self) -> FakeResponse:
        method, url, kwargs = self._args
        session = self._session
        caller = asyncio.current_task()
        if caller is not None:
            session._on_the_wire.add(caller)
        try:
            self._response = await session._discord.handle(method, url, kwargs)
        except asyncio.CancelledError:
            if caller is None or caller not in session._aborted:
                raise
            # The session closed while this request was on the wire: the connection is gone.
            session._aborted.discard(caller)
            caller.uncancel()
            raise aiohttp.ServerDisconnectedError() from None
        finally:
            if caller is not None:
                session._on_the_wire.discard(caller)
        return self._response

    async def __aexit__(self, *exc: object) -> None:
        return None


_BASE_URL = "https://discord.com" + API_PREFIX + "/"


def _split_url(url: str) -> tuple[str, str]:
    """The path and query of a request's URL (as `urlsplit` has them; discord.py's are plain)."""
    if url.startswith(_BASE_URL) and not any(c in url for c in "#\t\r\n"):
        path, _, query = url[len(_BASE_URL) - len(API_PREFIX) - 1:].partition("?")
        return path, query
    parts = urlsplit(url)
    return parts.path, parts.query


def _decode_body(kwargs: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The JSON payload and the files of a request (plain JSON or multipart)."""
    data = kwargs.get("data")
    if data is None:
        return None, []
    if isinstance(data, str | bytes):
        return json.loads(data), []
    if isinstance(data, aiohttp.FormData):
        payload: dict[str, Any] | None = None
        files: list[dict[str, Any]] = []
        for type_options, _headers, value in data._fields:
            name = type_options.get("name")
            if name == "payload_json":
                payload = json.loads(value)
            else:
                raw = value.read() if hasattr(value, "read") else value
                if hasattr(value, "seek"):
                    value.seek(0)
                text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
                files.append({"filename": type_options.get("filename"), "content": text})
        return payload, files
    raise TypeError(f"unexpected request body {type(data).__name__}")


@dataclass(slots=True)
class Fault:
    """An injected failure: answer `status` (with `body`) `times` times for matching requests."""

    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    times: int
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class FakeDiscord:
    """The simulated Discord: state, routes, recorded actions, injected faults.

    With `validate` (the default) every request is checked against Discord's API description and
    refused as Discord would refuse it, and every answer is checked against the schema of its
    status (see `bot.simulator.conformance`). Each mismatch is kept in `violations` and also handed
    to every list in `violation_sinks` (the test suite fails the test that caused it).
    """

    #: Lists that receive every violation of every simulated Discord (the tests' conftest adds one).
    violation_sinks: ClassVar[list[list[conformance.Violation]]] = []

    def __init__(self, now: Callable[[], datetime] | None = None, *, validate: bool = True) -> None:
        self.validate = validate
        self.violations: list[conformance.Violation] = []
        self._now = now or (lambda: datetime.now(UTC))
        self.guild_name = "Multinations Norsjö"
        self.roles: dict[int, Role] = {}
        self.channels: dict[int, Channel] = {}
        self.members: dict[int, Member] = {}
        self.messages: dict[int, Message] = {}
        self.actions: list[Action] = []
        self.requests: list[tuple[float, str, str]] = []  # (monotonic time, method, path)
        self.synced_commands: dict[str, list[dict[str, Any]]] = {}
        self.scheduled_events: dict[int, dict[str, Any]] = {}
        self.faults: list[Fault] = []
        self.open_modals: dict[int, dict[str, Any]] = {}  # member id -> modal payload
        self.interactions: dict[str, dict[str, Any]] = {}  # token -> {"member", "channel", "responded", ...}
        self.listeners: list[Callable[[Action], None]] = []
        #: Discord's rules (deadlines, limits) and its rate limits; a test may switch either off.
        self.enforce = True
        self.clock = SimClock()  # the harness gives it the simulated clock
        self.ratelimits = RateLimiter()
        self.refusals: list[Refusal] = []
        self.refusal_listeners: list[Callable[[Refusal], None]] = []
        self.on_gateway_event: Callable[[str, dict[str, Any]], None] | None = None
        #: Set by the harness while a crash is armed: requests from a "killed" bot never arrive.
        self.process_dead: Callable[[], bool] | None = None
        self._dm_by_member: dict[int, int] = {}
        self._sent_at = 0.0
        self._route_table: dict[str, list[tuple[re.Pattern[str], Callable[..., tuple[int, Any]]]]] | None = None
        self.bot_member = Member(BOT_USER_ID, "Multinations", bot=True)
        self.everyone_role = Role(GUILD_ID, "@everyone", 0, DEFAULT_MEMBER_PERMISSIONS)
        self.roles[GUILD_ID] = self.everyone_role

    # ----- building the guild -------------------------------------------------------------------
    def add_role(self, name: str, position: int, permissions: int = 0, managed: bool = False) -> Role:
        """Create a role."""
        role = Role(snowflake(), name, position, permissions, managed)
        self.roles[role.id] = role
        return role

    def add_channel(self, name: str) -> Channel:
        """Create a text channel."""
        channel = Channel(snowflake(), name)
        self.channels[channel.id] = channel
        return channel

    def add_member(self, name: str, *, locale: str = "en-US", pending: bool = False, bot: bool = False,
                   member_id: int | None = None, joined_at: datetime | None = None) -> Member:
        """Create a member (without telling the bot; the harness dispatches the gateway event). They
        joined now unless `joined_at` says otherwise."""
        member = Member(member_id or snowflake(), name, locale=locale, pending=pending, bot=bot,
                        joined_at=joined_at or self._now())
        self.members[member.id] = member
        return member

    def role_named(self, name: str) -> Role:
        """A role by name."""
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(f"no role named {name!r}")

    def channel_named(self, name: str) -> Channel:
        """A channel by name (without '#')."""
        name = name.lstrip("#")
        for channel in self.channels.values():
            if channel.name == name and channel.type != 1:
                return channel
        raise KeyError(f"no channel named #{name}")

    def set_archived(self, thread_id: int, archived: bool = True) -> Channel:
        """Archive a thread (as Discord does after its idle time) or unarchive it, stamping the change."""
        thread = self.channels[thread_id]
        if thread.type not in (10, 11, 12):
            raise ValueError(f"#{thread.name} is not a thread")
        thread.archived = archived
        thread.archive_timestamp = self._now()
        return thread

    def member_named(self, name: str) -> Member:
        """A member by display name."""
        for member in self.members.values():
            if member.name == name:
                return member
        raise KeyError(f"no member named {name!r}")

    def member_permissions(self, member: Member) -> int:
        """The member's guild permissions from their roles."""
        perms = self.everyone_role.permissions
        for role_id in member.roles:
            if role_id in self.roles:
                perms |= self.roles[role_id].permissions
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def guild_payload(self, *, members: bool = True) -> dict[str, Any]:
        """The GUILD_CREATE payload (with `members=False`, only the bot's own member object)."""
        return {
            "id": str(GUILD_ID), "name": self.guild_name, "owner_id": str(snowflake()), "icon": None,
            "roles": [r.payload() for r in self.roles.values()],
            "channels": [c.payload() for c in self.channels.values() if c.type == 0],
            "threads": [],
            "members": [m.payload() for m in (self.bot_member, *(self.members.values() if members else ()))
                        if m.present],
            "member_count": 1 + sum(1 for m in self.members.values() if m.present),
            "large": False, "unavailable": False, "features": [], "preferred_locale": "sv-SE",
            "emojis": [], "stickers": [], "voice_states": [], "presences": [], "mfa_level": 0,
            "verification_level": 0, "explicit_content_filter": 0, "default_message_notifications": 0,
            "system_channel_flags": 0, "premium_tier": 0, "nsfw_level": 0, "afk_timeout": 300,
        }

    # ----- faults ---------------------------------------------------------------------------------
    def inject(self, method: str, path_regex: str, status: int, *, times: int = 1, code: int = 0,
               message: str = "", retry_after: float | None = None, delay: float = 0.0) -> Fault:
        """Make the next `times` matching requests fail with `status` (e.g. 403 code 50007, 429, 500).

        Status 0 means the request times out (raises `asyncio.TimeoutError`, as aiohttp does).
        """
        body: dict[str, Any] = {"code": code, "message": message or f"simulated {status}"}
        headers: dict[str, str] = {}
        if status == 429:
            body = {"message": "You are being rate limited.", "retry_after": retry_after or 0.01, "global": False,
                    "code": code}
            headers = {"Via": "1.1 google", "Retry-After": str(retry_after or 0.01)}
        fault = Fault(method.upper(), re.compile(path_regex), status, body, times, headers, delay)
        self.faults.append(fault)
        return fault

    def _fault_for(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method in (method, "*") and fault.pattern.search(path):
                fault.times -= 1
                return fault
        return None

    # ----- recording ------------------------------------------------------------------------------
    def record(self, action: Action) -> Action:
        """Append an action and tell listeners (the console prints it)."""
        self.actions.append(action)
        for listener in self.listeners:
            listener(action)
        return action

    def _where(self, channel_id: int) -> str:
        channel = self.channels.get(channel_id)
        if channel is None:
            return f"#{channel_id}"
        if channel.type == 1:
            return f"dm:{self.members[channel.recipient].name}" if channel.recipient in self.members else "dm:?"
        if channel.type in (11, 12):
            return f"thread:{channel.name}"
        return f"#{channel.name}"

    def _mentions(self, content: str, payload: dict[str, Any]) -> tuple[list[str], bool]:
        allowed = payload.get("allowed_mentions")
        parse = set(allowed.get("parse", [])) if allowed is not None else {"users", "roles", "everyone"}
        allowed_users = {int(u) for u in (allowed or {}).get("users", [])}
        pinged: list[str] = []
        for raw in re.findall(r"<@!?(\d+)>", content):
            uid = int(raw)
            if ("users" in parse or uid in allowed_users) and uid in self.members:
                name = self.members[uid].name
                if name not in pinged:
                    pinged.append(name)
        role_ping = bool(re.search(r"<@&\d+>", content)) and ("roles" in parse or bool((allowed or {}).get("roles")))
        everyone = ("everyone" in parse and ("@everyone" in content or "@here" in content)) or role_ping
        return pinged, everyone

    def _message_action(self, kind: str, message: Message, payload: dict[str, Any],
                        files: list[dict[str, Any]]) -> Action:
        mentions, everyone = self._mentions(message.content, payload)
        visible = "everyone"
        if message.visible_to is not None:
            visible = self.members[message.visible_to].name if message.visible_to in self.members else "?"
        channel = self.channels.get(message.channel_id)
        if channel is not None and channel.type == 1:
            visible = self.members[channel.recipient].name if channel.recipient in self.members else "?"
        return Action(
            at=self._now(), kind=kind, to=self._where(message.channel_id), visible_to=visible,
            content=message.content, embeds=message.embeds, components=flatten_components(message.components),
            mentions=mentions, pinged_everyone=everyone, files=files, message_id=message.id,
        )

    # ----- HTTP -----------------------------------------------------------------------------------
    async def handle(self, method: str, url: str, kwargs: dict[str, Any]) -> FakeResponse:
        """Answer one HTTP request as Discord would."""
        path, query = _split_url(url)
        if path.startswith(API_PREFIX):
            path = path[len(API_PREFIX):]
        if self.process_dead is not None and self.process_dead():
            raise ConnectionResetError("the bot process was killed")
        sent_at = asyncio.get_running_loop().time()
        self.requests.append((sent_at, method, path))
        # A real request always suspends the caller while it is on the wire, and Discord reads and
        # checks it on its own machines, not on the bot's core. So the request leaves first and the
        # simulator does Discord's part once the caller has given way: concurrent handlers interleave
        # as they would against Discord, and the simulator's checking of one request does not delay
        # the next handler's. Response times are taken when the request left the bot (`sent_at`).
        await asyncio.sleep(0)
        payload, files = _decode_body(kwargs)
        params = {**dict(parse_qsl(query)), **(kwargs.get("params") or {})}
        refusal = self.validate_request(method, path, params, payload, files)
        if refusal is not None:
            self._refused(method, path, refusal.status, refusal.body)
            return refusal
        fault = self._fault_for(method, path)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status == 0:
                raise TimeoutError(f"simulated timeout on {method} {path}")
            return self.validate_response(method, path, FakeResponse(fault.status, fault.body, fault.headers))
        self._sent_at = sent_at
        now = self.clock.now()
        verdict = self.ratelimits.admit(method, path, now)
        if verdict.refused is not None:
            return self.validate_response(method, path, FakeResponse(429, verdict.refused, verdict.headers))
        refusal = discord_rules.check_request(self.interactions, now, method, path, payload) if self.enforce else None
        if refusal is not None:
            status, body = refusal
        else:
            status, body = self._route(method, path, payload, files, params)
        unknown_interaction = status == 404 and isinstance(body, dict) and body.get("code") in (10062, 10015)
        if status in (400, 401, 403) or unknown_interaction:
            self._refused(method, path, status, body)
        return self.validate_response(method, path, FakeResponse(status, body, verdict.headers))

    def _route(self, method: str, path: str, payload: Any, files: list[dict[str, Any]],
               params: dict[str, Any]) -> tuple[int, Any]:
        if self._route_table is None:
            self._route_table = {}
            for route_method, pattern, handler in self._routes():
                self._route_table.setdefault(route_method, []).append((pattern, handler))
        for pattern, handler in self._route_table.get(method, ()):
            match = pattern.fullmatch(path)
            if match:
                return handler(match, payload or {}, files, params)
        return 404, {"code": 0, "message": f"simulator has no route {method} {path}"}

    def _refused(self, method: str, path: str, status: int, body: dict[str, Any]) -> None:
        from bot.simulator.ratelimits import template

        refusal = Refusal(self._now(), method, template(path), status, int(body.get("code") or 0),
                          str(body.get("message") or ""), body.get("errors") or {})
        self.refusals.append(refusal)
        for listener in self.refusal_listeners:
            listener(refusal)

    # ----- conformance to Discord's API description ------------------------------------------------
    def validate_request(self, method: str, path: str, params: dict[str, Any], payload: Any,
                         files: list[dict[str, Any]]) -> FakeResponse | None:
        """Check a request against Discord's description; refuse it as Discord would when it breaks it."""
        if not self.validate:
            return None
        status, violations = conformance.load().check_request(method, path, params, payload, bool(files))
        if not violations:
            return None
        self._violate(violations)
        if status == 400:
            return FakeResponse(400, conformance.invalid_form_body(violations))
        reason = "Not Found" if status == 404 else "Method Not Allowed"
        return FakeResponse(status, {"code": 0, "message": f"{status}: {reason}"})

    def validate_response(self, method: str, path: str, response: FakeResponse) -> FakeResponse:
        """Check the simulator's own answer against the description's schema for its status."""
        if self.validate:
            self._violate(conformance.load().check_response(method, path, response.status, response.body))
        return response

    def _violate(self, violations: list[conformance.Violation]) -> None:
        for violation in violations:
            self.violations.append(violation)
            for sink in FakeDiscord.violation_sinks:
                sink.append(violation)

    def take_violations(self) -> list[conformance.Violation]:
        """The violations recorded so far, forgotten here (for tests that cause them on purpose)."""
        taken, self.violations = self.violations, []
        for sink in FakeDiscord.violation_sinks:
            sink[:] = [v for v in sink if all(v is not t for t in taken)]
        return taken

    def _routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., tuple[int, Any]]]]:
        r = re.compile
        return [
            ("GET", r(r"/users/@me"), self._get_me),
            ("GET", r(r"/oauth2/applications/@me"), self._get_application),
            ("POST", r(r"/channels/(\d+)/messages"), self._create_message),
            ("PATCH", r(r"/channels/(\d+)/messages/(\d+)"), self._edit_message),
            ("DELETE", r(r"/channels/(\d+)/messages/(\d+)"), self._delete_message),
            ("GET", r(r"/channels/(\d+)/messages/(\d+)"), self._get_message),
            ("GET", r(r"/channels/(\d+)"), self._get_channel),
            ("PATCH", r(r"/channels/(\d+)"), self._edit_channel),
            ("POST", r(r"/users/@me/channels"), self._open_dm),
            ("PUT", r(r"/guilds/(\d+)/members/(\d+)/roles/(\d+)"), self._add_role),
            ("DELETE", r(r"/guilds/(\d+)/members/(\d+)/roles/(\d+)"), self._remove_role),
            ("GET", r(r"/guilds/(\d+)/members/(\d+)"), self._get_member),
            ("POST", r(r"/channels/(\d+)/threads"), self._create_thread),
            ("GET", r(r"/guilds/(\d+)/threads/active"), self._active_threads),
            ("GET", r(r"/channels/(\d+)/users/@me/threads/archived/private"), self._joined_archived_private_threads),
            ("PUT", r(r"/channels/(\d+)/thread-members/(\d+)"), self._add_thread_member),
            ("PUT", r(r"/applications/(\d+)/commands"), self._sync_global),
            ("PUT", r(r"/applications/(\d+)/guilds/(\d+)/commands"), self._sync_guild),
            ("POST", r(r"/interactions/(\d+)/([^/]+)/callback"), self._interaction_callback),
            ("PATCH", r(r"/webhooks/(\d+)/([^/]+)/messages/@original"), self._edit_original),
            ("GET", r(r"/webhooks/(\d+)/([^/]+)/messages/@original"), self._get_original),
            ("DELETE", r(r"/webhooks/(\d+)/([^/]+)/messages/@original"), self._delete_original),
            ("POST", r(r"/webhooks/(\d+)/([^/]+)"), self._followup),
            ("PATCH", r(r"/webhooks/(\d+)/([^/]+)/messages/(\d+)"), self._edit_followup),
            ("GET", r(r"/guilds/(\d+)/scheduled-events"), self._list_events),
            ("POST", r(r"/guilds/(\d+)/scheduled-events"), self._create_event),
            ("PATCH", r(r"/guilds/(\d+)/scheduled-events/(\d+)"), self._edit_event),
            ("DELETE", r(r"/guilds/(\d+)/scheduled-events/(\d+)"), self._delete_event),
        ]

    @staticmethod
    def _error(status: int, code: int, message: str) -> tuple[int, Any]:
        return status, {"code": code, "message": message}

    def _get_me(self, match: re.Match[str], body: dict[str, Any], files: Any, params: Any) -> tuple[int, Any]:
        return 200, {**self.bot_member.user_payload(), "bot": True, "verified": True, "mfa_enabled": False,
                     "locale": "en-US"}

    def _get_application(self, *args: Any) -> tuple[int, Any]:
        return 200, {
            "id": str(APP_ID), "name": "Multinations", "icon": None, "description": "", "bot_public": False,
            "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": 0,
            "owner": user_object(APP_ID - 1, "owner", None), "team": None,
            "interactions_endpoint_url": None, "type": None, "flags_new": "0", "redirect_uris": [],
            "role_connections_verification_url": None, "approximate_guild_count": 1,
            "approximate_user_install_count": 0, "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0, "eligible_oauth2_scopes": ["applications.commands", "bot"],
        }

    def _channel_or_404(self, channel_id: int) -> Channel | None:
        channel = self.channels.get(channel_id)
        if channel is None or channel.deleted:
            return None
        return channel

    def _create_message(self, match: re.Match[str], body: dict[str, Any], files: Any, params: Any) -> tuple[int, Any]:
        channel = self._channel_or_404(int(match[1]))
        if channel is None:
            return self._error(404, 10003, "Unknown Channel")
        if channel.type == 1:
            member = self.members.get(channel.recipient or 0)
            if member is None or not member.dms_open or not member.present:
                return self._error(403, 50007, "Cannot send messages to this user")
        elif not channel.bot_can_send:
            return self._error(403, 50013, "Missing Permissions")
        content = body.get("content") or ""
        if len(content) > 2000:
            return self._error(400, 50035, "Invalid Form Body: content must be 2000 or fewer in length")
        nonce = body.get("nonce")
        if nonce and body.get("enforce_nonce"):
            for existing in reversed(self.messages.values()):
                if existing.nonce == str(nonce) and existing.channel_id == channel.id:
                    return 200, existing.payload()  # Discord deduplicates
        if channel.archived:
            self.set_archived(channel.id, False)  # a message unarchives the thread, as on Discord
        message = Message(snowflake(), channel.id, content, body.get("embeds") or [],
                          stored_components(body.get("components") or []),
                          flags=int(body.get("flags") or 0), nonce=str(nonce) if nonce else None,
                          attachments=self._attachments(files))
        self.messages[message.id] = message
        kind = "dm" if channel.type == 1 else "message"
        self.record(self._message_action(kind, message, body, files))
        return 200, message.payload()

    @staticmethod
    def _attachments(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"id": str(snowflake()), "filename": f["filename"] or "file", "size": len(f["content"]),
                 "url": "https://cdn.invalid/x", "proxy_url": "https://cdn.invalid/x"} for f in files]

    def _edit_message(self, match: re.Match[str], body: dict[str, Any], files: Any, params: Any) -> tuple[int, Any]:
        message = self.messages.get(int(match[2]))
        if message is None or message.deleted:
            return self._error(404, 10008, "Unknown Message")
        self._apply_edit(message, body)
        self.record(self._message_action("edit", message, body, files))
        return 200, message.payload()

    @staticmethod
    def _apply_edit(message: Message, body: dict[str, Any]) -> None:
        if "content" in body:
            message.content = body["content"] or ""
        if "embeds" in body:
            message.embeds = body["embeds"] or []
        if "components" in body:
            message.components = stored_components(body["components"] or [])

    def _delete_message(self, match: re.Match[str], *args: Any) -> tuple[int, Any]:
        message = self.messages.get(int(match[2]))
        if message is None or message.deleted:
            return self._error(404, 10008, "Unknown Message")
        message.deleted = True
        self.record(Action(at=self._now(), kind="delete", to=self._where(message.channel_id),
                           message_id=message.id))
        return 204, None

    def _get_message(self, match: re.Match[str], *args: Any) -> tuple[int, Any]:
        message = self.messages.get(int(match[2]))
        if message is None or message.deleted:
            return self._error(404, 10008, "Unknown Message")
        return 200, message.payload()

    def _get_channel(self, match: re.Match[str], *args: Any) -> tuple[int, Any]:
        channel = self._channel_or_404(int(match[1]))
        if channel is None:
            return self._error(404, 10003, "Unknown Channel")
        return 200, channel.payload()

    def _edit_channel(self, match: re.Match[str], body: dict[str, Any], *args: Any) -> tuple[int, Any]:
        """PATCH /channels/{id}: here only a thread's `archived` flag."""
        channel = self._channel_or_404(int(match[1]))
        if channel is None or channel.type == 1:
            return self._error(404, 10003, "Unknown Channel")
        if "archived" in body and channel.type in (10, 11, 12) and bool(body["archived"]) != channel.archived:
            self.set_archived(channel.id, bool(body["archived"]))
        return 200, channel.payload()

    def dm_channel_for(self, member_id: int) -> Channel:
        """The DM channel with a member (created on first use)."""
        if member_id not in self._dm_by_member:
            channel = Channel(snowflake(), f"dm-{member_id}", type=1, recipient=member_id)
            self.channels[channel.id] = channel
            self._dm_by_member[member_id] = channel.id
        return self.channels[self._dm_by_member[member_id]]

    def _open_dm(self, match: re.Match[str], body: dict[str, Any], *args: Any) -> tuple[int, Any]:
        member_id = int(body.get("recipient_id", 0))
        if member_id not in self.members:
            return self._error(400, 50033, "Invalid Recipients")
        return 200, self.dm_channel_for(member_id).payload()

    def _bot_top_position(self) -> int:
        return max((self.roles[r].position for r in self.bot_member.roles if r in self.roles), default=0)

    def _role_change(self, match: re.Match[str], add: bool) -> tuple[int, Any]:
        member = self.members.get(int(match[2]))
        role = self.roles.get(int(match[3]))
        if member is None or not member.present:
            return self._error(404, 10007, "Unknown Member")
        if role is None:
            return self._error(404, 10011, "Unknown Role")
        if role.position >= self._bot_top_position() or role.managed:
            return self._error(403, 50013, "Missing Permissions")
        changed = False
        if add and role.id not in member.roles:
            member.roles.append(role.id)
            changed = True
        elif not add and role.id in member.roles:
            member.roles.remove(role.id)
            changed = True
        if changed:
            self.record(Action(at=self._now(), kind="role_add" if add else "role_remove", member=member.name,
                               role=role.name))
            if self.on_gateway_event is not None:
                self.on_gateway_event("GUILD_MEMBER_UPDATE", {"guild_id": str(GUILD_ID), **member.payload()})
        return 204, None

    def _add_role(self, match: re.Match[str], *args: Any) -> tuple[int, Any]:
        return self._role_change(match, True)

    def _remove_role(self, match: re.Match[str], *args: Any) -> tuple[int, Any]:
        return self._role_change(match, False)

    def _get_member(self, match: re.Match[str], *args: Any) -> tuple[int, Any]:
        member = self.members.get(int(match[2]))
        if member is None or not member.present:
            return self._error(404, 10007, "Unknown Member")
        return 200, member.payload()

    def _create_thread(self, match: re.Match[str], body: dict[str, Any], *args: Any) -> tuple[int, Any]:
        parent = self._channel_or_404(int(match[1]))
        if parent is None:
            return self._error(404, 10003, "Unknown Channel")
        thread = Channel(snowflake(), body.get("name", "thread"), type=int(body.get("type", 12)), parent_id=parent.id,
                         created_at=self._now(), archive_timestamp=self._now())
        thread.thread_members.add(BOT_USER_ID)  # the creator joins its thread, as on Discord
        self.channels[thread.id] = thread
        self.record(Action(at=self._now(), kind="thread", to=f"#{parent.name}", content=thread.name,
                           extra={"thread": thread.name, "private": thread.type == 12}))
        return 201, thread.payload()

    def _active_threads(self, match: re.Match[str], *args: Any) -> tuple[int, Any]:
        """GET /guilds/{id}/threads/active: every thread not archived, and the bot's own memberships."""
        if int(match[1]) != GUILD_ID:
            return self._error(404, 10004, "Unknown Guild")
        threads = [c for c in self.channels.values() if c.type in (10, 11, 12) and not c.deleted and not c.archived]
        members = [{"id": str(c.id), "user_id": str(BOT_USER_ID), "join_timestamp": iso(self._now()), "flags": 1}
                   for c in threads if BOT_USER_ID in c.thread_members]
        return 200, {"threads": [c.payload() for c in threads], "members": members, "has_more": False}

    def _joined_archived_private_threads(self, match: re.Match[str], body: Any, files: Any,
                                         params: dict[str, Any]) -> tuple[int, Any]:
        """GET /channels/{id}/users/@me/threads/archived/private: newest id first, paged with `before` (an id)."""
        parent = self._channel_or_404(int(match[1]))
        if parent is None or parent.type != 0:
            return self._error(404, 10003, "Unknown Channel")
        limit = max(2, min(100, int(params.get("limit", 50))))
        before = int(params["before"]) if params.get("before") else None
        threads = sorted((c for c in self.channels.values()
                          if c.type == 12 and c.parent_id == parent.id and c.archived and not c.deleted
                          and BOT_USER_ID in c.thread_members and (before is None or c.id < before)),
                         key=lambda c: c.id, reverse=True)
        page = threads[:limit]
        members = [{"id": str(c.id), "user_id": str(BOT_USER_ID), "join_timestamp": iso(self._now()), "flags": 1}
                   for c in page]
        return 200, {"threads": [c.payload() for c in page], "members": members, "has_more": len(threads) > limit}

    def _add_thread_member(self, match: re.Match[str], *args: Any) -> tuple[int, Any]:
        thread = self._channel_or_404(int(match[1]))
        member = self.members.get(int(match[2]))
        if thread is None:
            return self._error(404, 10003, "Unknown Channel")
        if member is None:
            return self._error(404, 10007, "Unknown Member")
        if thread.archived:
            return self._error(400, 50083, "Thread is archived")
        thread.thread_members.add(member.id)
        self.record(Action(at=self._now(), kind="thread_member", to=f"thread:{thread.name}", member=member.name))
        return 204, None

    def _sync_global(self, match: re.Match[str], body: Any, *args: Any) -> tuple[int, Any]:
        self.synced_commands["global"] = body
        self.record(Action(at=self._now(), kind="sync", extra={"scope": "global", "count": len(body)}))
        return 200, [self._command_echo(c) for c in body]

    def _sync_guild(self, match: re.Match[str], body: Any, *args: Any) -> tuple[int, Any]:
        self.synced_commands[match[2]] = body
        self.record(Action(at=self._now(), kind="sync", extra={"scope": match[2], "count": len(body)}))
        return 200, [self._command_echo(c, guild_id=match[2]) for c in body]

    @staticmethod
    def _command_echo(command: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """A synced command as Discord answers it: ids added, defaults filled in."""
        echo = dict(command, id=str(snowflake()), application_id=str(APP_ID), version="1", **extra)
        echo.setdefault("type", 1)
        echo.setdefault("description", "")
        echo.setdefault("default_member_permissions", None)
        if echo.get("integration_types") is None:
            echo["integration_types"] = [0]  # Discord's default: installed to guilds
        return echo

    # ----- interactions ---------------------------------------------------------------------------
    def new_interaction(self, member: Member, channel: Channel, message_id: int | None = None, *,
                        kind: int = 2) -> tuple[int, str]:
        """Register an interaction (of `kind`: 2 command, 3 component, 4 autocomplete, 5 modal) and
        return its id and token. Its 3-second and 15-minute deadlines run from now on `clock`."""
        interaction_id = snowflake()
        token = f"tok{interaction_id}"
        self.interactions[token] = {"member": member.id, "channel": channel.id, "responded": False, "kind": kind,
                                    "original": None, "message": message_id, "started": None,
                                    "first_response": None, "final_response": None,
                                    "created": self.clock.now(), "loading": False}
        return interaction_id, token

    def _interaction_callback(self, match: re.Match[str], body: dict[str, Any], files: Any,
                              params: dict[str, Any]) -> tuple[int, Any]:
        status, answer = self._interaction_callback_answer(match, body, files)
        if status == 200 and str(params.get("with_response", "")).lower() not in ("1", "true"):
            return 204, None  # without ?with_response Discord answers 204 No Content
        return status, answer

    def _interaction_callback_answer(self, match: re.Match[str], body: dict[str, Any],
                                     files: Any) -> tuple[int, Any]:
        token = match[2]
        info = self.interactions.get(token)
        if info is None:
            return self._error(404, 10062, "Unknown interaction")
        if info["responded"]:
            return self._error(400, 40060, "Interaction has already been acknowledged.")
        info["responded"] = True
        info["first_response"] = self._sent_at
        kind = int(body.get("type", 0))
        data = body.get("data") or {}
        member = self.members[info["member"]]
        interaction_meta: dict[str, Any] = {"id": str(match[1]), "type": info.get("kind", 2),
                                            "activity_instance_id": None}

        def created(message: Message) -> dict[str, Any]:
            return {**interaction_meta, "response_message_id": str(message.id),
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": bool(message.flags & EPHEMERAL)}

        if kind in (4, 5):
            ephemeral = bool(int(data.get("flags") or 0) & EPHEMERAL)
            message = Message(snowflake(), info["channel"], data.get("content") or "", data.get("embeds") or [],
                              stored_components(data.get("components") or []), flags=int(data.get("flags") or 0),
                              visible_to=member.id if ephemeral else None, interaction_token=token,
                              attachments=self._attachments(files))
            self.messages[message.id] = message
            info["original"] = message.id
            if kind == 5:  # "thinking": the first follow-up or edit replaces it
                message.flags |= LOADING
                info["loading"] = True
            if kind == 4:
                info["final_response"] = info["first_response"]
                self.record(self._message_action("interaction_response", message, data, files))
            else:
                self.record(Action(at=self._now(), kind="defer", to=self._where(info["channel"]),
                                   visible_to=member.name if ephemeral else "everyone"))
            if kind == 5:  # a deferred answer has no resource: the message comes with the follow-up edit
                return 200, {"interaction": created(message)}
            return 200, {"interaction": created(message),
                         "resource": {"type": kind, "message": message.payload()}}
        if kind == 6:
            # A deferred update: the "original" of a component interaction is its message.
            info["original"] = info["message"]
            return 200, {"interaction": interaction_meta}
        if kind == 7:
            message = self.messages.get(info["message"] or 0)
            if message is None:
                return self._error(404, 10008, "Unknown Message")
            self._apply_edit(message, data)
            info["final_response"] = info["first_response"]
            self.record(self._message_action("edit", message, data, files))
            return 200, {"interaction": created(message),
                         "resource": {"type": kind, "message": message.payload()}}
        if kind == 8:
            info["final_response"] = info["first_response"]
            self.record(Action(at=self._now(), kind="autocomplete", visible_to=member.name,
                               extra={"choices": data.get("choices", [])}))
            return 200, {"interaction": interaction_meta}
        if kind == 9:
            info["final_response"] = info["first_response"]
            self.open_modals[member.id] = data
            fields = []
            for comp in flatten_components(data.get("components", [])):
                fields.append({"id": comp.get("custom_id"), "label": comp.get("label"),
                               "required": comp.get("required", True),
                               **({"value": comp["value"]} if comp.get("value") else {})})
            for row in data.get("components", []):
                inner = row.get("component") or (row.get("components") or [{}])[0]
                for f in fields:
                    if f["id"] == inner.get("custom_id"):
                        f["required"] = inner.get("required", True)
                        if row.get("label"):
                            f["label"] = row["label"]
            self.record(Action(at=self._now(), kind="modal", visible_to=member.name, content=data.get("title", ""),
                               fields=fields, extra={"custom_id": data.get("custom_id")}))
            return 200, {"interaction": interaction_meta}
        return self._error(400, 50035, f"unsupported interaction response type {kind}")

    def _original(self, token: str) -> tuple[dict[str, Any] | None, Message | None]:
        info = self.interactions.get(token)
        if info is None:
            return None, None
        return info, self.messages.get(info["original"] or 0)

    def _edit_original(self, match: re.Match[str], body: dict[str, Any], files: Any, params: Any) -> tuple[int, Any]:
        info, message = self._original(match[2])
        if info is None or message is None:
            return self._error(404, 10008, "Unknown Message")
        self._apply_edit(message, body)
        if files:
            message.attachments = self._attachments(files)
        if info.get("loading"):
            info["loading"] = False
            message.flags &= ~LOADING
        info["final_response"] = self._sent_at
        self.record(self._message_action("edit", message, body, files))
        return 200, message.payload()

    def _get_original(self, match: re.Match[str], *args: Any) -> tuple[int, Any]:
        _info, message = self._original(match[2])
        if message is None:
            return self._error(404, 10008, "Unknown Message")
        return 200, message.payload()

    def _delete_original(self, match: re.Match[str], *args: Any) -> tuple[int, Any]:
        _info, message = self._original(match[2])
        if message is None:
            return self._error(404, 10008, "Unknown Message")
        message.deleted = True
        return 204, None

    def _followup(self, match: re.Match[str], body: dict[str, Any], files: Any, params: Any) -> tuple[int, Any]:
        info = self.interactions.get(match[2])
        if info is None:
            return self._error(404, 10015, "Unknown Webhook")
        original = self.messages.get(info["original"] or 0)
        if info.get("loading") and original is not None:
            # After a deferred response the first follow-up replaces the "thinking" message; it keeps
            # the defer's visibility (ephemeral or not), whatever the follow-up's own flags say.
            info["loading"] = False
            original.flags &= ~LOADING
            self._apply_edit(original, body)
            if files:
                original.attachments = self._attachments(files)
            info["final_response"] = self._sent_at
            self.record(self._message_action("followup", original, body, files))
            return 200, original.payload()
        flags = int(body.get("flags") or 0)
        ephemeral = bool(flags & EPHEMERAL)
        message = Message(snowflake(), info["channel"], body.get("content") or "", body.get("embeds") or [],
                          stored_components(body.get("components") or []), flags=flags,
                          visible_to=info["member"] if ephemeral else None, interaction_token=match[2],
                          attachments=self._attachments(files))
        self.messages[message.id] = message
        info["final_response"] = self._sent_at
        self.record(self._message_action("followup", message, body, files))
        return 200, message.payload()

    def _edit_followup(self, match: re.Match[str], body: dict[str, Any], files: Any, params: Any) -> tuple[int, Any]:
        message = self.messages.get(int(match[3]))
        if message is None or message.deleted:
            return self._error(404, 10008, "Unknown Message")
        self._apply_edit(message, body)
        self.record(self._message_action("edit", message, body, files))
        return 200, message.payload()

    # ----- guild scheduled events -------------------------------------------------------------
    def _list_events(self, *args: Any) -> tuple[int, Any]:
        return 200, list(self.scheduled_events.values())

    def _create_event(self, match: re.Match[str], body: dict[str, Any], *args: Any) -> tuple[int, Any]:
        event_id = snowflake()
        data = {"channel_id": None, "description": None, "image": None, "scheduled_end_time": None,
                "recurrence_rule": None, "entity_metadata": None, "guild_scheduled_event_exceptions": [],
                **body, "id": str(event_id), "guild_id": str(GUILD_ID), "status": 1, "creator_id": str(BOT_USER_ID),
                "entity_id": None, "user_count": 0, "privacy_level": body.get("privacy_level", 2)}
        self.scheduled_events[event_id] = data
        self.record(Action(at=self._now(), kind="scheduled_event_create", content=body.get("name", ""),
                           extra={"event_id": str(event_id)}))
        return 200, data

    def _edit_event(self, match: re.Match[str], body: dict[str, Any], *args: Any) -> tuple[int, Any]:
        event = self.scheduled_events.get(int(match[2]))
        if event is None:
            return self._error(404, 10070, "Unknown Guild Scheduled Event")
        event.update(body)
        self.record(Action(at=self._now(), kind="scheduled_event_edit", content=event.get("name", ""),
                           extra={"event_id": match[2], "status": event.get("status")}))
        return 200, event

    def _delete_event(self, match: re.Match[str], *args: Any) -> tuple[int, Any]:
        event = self.scheduled_events.pop(int(match[2]), None)
        if event is None:
            return self._error(404, 10070, "Unknown Guild Scheduled Event")
        self.record(Action(at=self._now(), kind="scheduled_event_delete", content=event.get("name", ""),
                           extra={"event_id": match[2]}))
        return 204, None

    # ----- what a member sees ----------------------------------------------------------------------
    def visible_messages(self, member_id: int) -> list[Message]:
        """Messages the member can see, oldest first."""
        out = []
        dm = self._dm_by_member.get(member_id)
        for message in self.messages.values():
            if message.deleted:
                continue
            if message.visible_to is not None and message.visible_to != member_id:
                continue
            channel = self.channels.get(message.channel_id)
            if channel is not None and channel.type == 1 and channel.id != dm:
                continue
            out.append(message)
        return out
