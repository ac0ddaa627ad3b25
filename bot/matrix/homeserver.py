"""A throwaway Synapse homeserver on loopback, for the tests, the benchmark and `matrix-tryout`.

`Homeserver.start(directory)` writes a configuration that reaches nothing outside this machine
(server name `localhost`, one HTTP listener on 127.0.0.1 serving the client API only, no
federation, SQLite, no outside key servers, no statistics, no URL previews, no open registration),
starts Synapse from this Python environment as a child process and waits until the client API
answers. `stop()` ends it with SIGTERM. Everything it writes (configuration, signing key, database,
media, log) stays in `directory`.

Accounts are made through the shared-secret registration admin API (no e-mail, no captcha), and
`HomeserverAdmin` builds the community: a space with the rooms named in `bot/core/places.py`,
public rooms open to anyone, staff rooms invite-only.

Synapse keeps real time: its child process gets neither `LD_PRELOAD` nor `FAKETIME*`, so a test run
under libfaketime moves only the bot's clock. A real homeserver's clock is not the bot's either; the
bot schedules on its own clock and must not trust the server's timestamps for that.

Synapse is a test dependency (`pip install -e ".[test]"`); it is never imported here, only run.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self, TextIO

import aiohttp
import yaml

from bot.core.places import PLACES, Place

SERVER_NAME = "localhost"
INSTALL_HINT = (
    "Synapse (the Matrix homeserver the Matrix tests and `multinations-bot matrix-tryout` start on "
    "127.0.0.1) is not installed in this Python environment. Install the test dependencies with: "
    "pip install -e \".[test]\" (or only Synapse: pip install matrix-synapse)."
)

Limits = Literal["default", "lifted"]

#: Synapse's per-user and per-room limits raised far beyond any test's pace. The limits a real
#: server keeps are Synapse's defaults (`limits="default"` writes none of these).
LIFTED_LIMITS: dict[str, Any] = {
    "rc_message": {"per_second": 10_000, "burst_count": 100_000},
    "rc_registration": {"per_second": 10_000, "burst_count": 100_000},
    "rc_login": {
        "address": {"per_second": 10_000, "burst_count": 100_000},
        "account": {"per_second": 10_000, "burst_count": 100_000},
        "failed_attempts": {"per_second": 10_000, "burst_count": 100_000},
    },
    "rc_joins": {
        "local": {"per_second": 10_000, "burst_count": 100_000},
        "remote": {"per_second": 10_000, "burst_count": 100_000},
    },
    "rc_joins_per_room": {"per_second": 10_000, "burst_count": 100_000},
    "rc_invites": {
        "per_room": {"per_second": 10_000, "burst_count": 100_000},
        "per_user": {"per_second": 10_000, "burst_count": 100_000},
        "per_issuer": {"per_second": 10_000, "burst_count": 100_000},
    },
    "rc_room_creation": {"per_second": 10_000, "burst_count": 100_000},
    "rc_media_create": {"per_second": 10_000, "burst_count": 100_000},
    "rc_profile": {"per_second": 10_000, "burst_count": 100_000},
    "rc_presence": {"per_user": {"per_second": 10_000, "burst_count": 100_000}},
    "rc_key_requests": {"per_second": 10_000, "burst_count": 100_000},
    "rc_admin_redaction": {"per_second": 10_000, "burst_count": 100_000},
    "rc_user_directory": {"per_second": 10_000, "burst_count": 100_000},
    "rc_delayed_event_mgmt": {"per_second": 10_000, "burst_count": 100_000},
}

#: Power levels of the announcements room: moderators post, everyone reacts and answers polls.
ANNOUNCEMENT_LEVELS: dict[str, Any] = {
    "events_default": 50,
    "events": {
        "m.reaction": 0, "m.poll.response": 0, "org.matrix.msc3381.poll.response": 0,
        "m.room.power_levels": 100, "m.room.history_visibility": 100, "m.room.encryption": 100,
        "m.room.tombstone": 100, "m.room.server_acl": 100, "m.room.name": 50, "m.room.avatar": 50,
        "m.room.canonical_alias": 50,
    },
}

#: Environment variables a child homeserver must not inherit: libfaketime (CI runs the suite again
#: with the wall clock moved) would move Synapse's clock too, and `LD_PRELOAD` is how it gets in.
_NOT_INHERITED = ("LD_PRELOAD", "FAKETIME")


class HomeserverMissing(RuntimeError):
    """Synapse is not installed here; the message says how to install it."""

    def __init__(self) -> None:
        super().__init__(INSTALL_HINT)


class HomeserverFailed(RuntimeError):
    """Synapse did not start (or an admin call failed); the message carries the end of its log."""


def synapse_installed() -> bool:
    """Whether `python -m synapse.app.homeserver` can run from this environment."""
    return importlib.util.find_spec("synapse") is not None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of the homeserver process: ours without libfaketime's variables."""
    source = os.environ if environ is None else environ
    return {key: value for key, value in source.items() if not key.startswith(_NOT_INHERITED)}


def _ends_with_parent() -> Callable[[], None] | None:
    """On Linux: the child gets SIGTERM when the process that started it dies (a killed test run
    leaves no homeserver behind). Call `start` from the thread that outlives the homeserver."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()
    set_parent_death_signal = 1  # PR_SET_PDEATHSIG

    def in_child() -> None:
        prctl(set_parent_death_signal, int(signal.SIGTERM))
        if os.getppid() != parent:  # the parent died before the line above
            os.kill(os.getpid(), signal.SIGTERM)

    return in_child


def _signing_key() -> str:
    """A new ed25519 signing key in Synapse's key-file format (`ed25519 <version> <seed>`)."""
    version = "a_" + secrets.token_hex(2)
    seed = base64.b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")
    return f"ed25519 {version} {seed}\n"


def homeserver_config(directory: Path, port: int, *, limits: Limits = "lifted",
                      shared_secret: str | None = None) -> dict[str, Any]:
    """The Synapse configuration of a throwaway homeserver in `directory` listening on `port`."""
    config: dict[str, Any] = {
        "server_name": SERVER_NAME,
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "pid_file": str(directory / "homeserver.pid"),
        "listeners": [{
            "port": port,
            "bind_addresses": ["127.0.0.1"],
            "type": "http",
            "tls": False,
            "x_forwarded": False,
            # `client` also serves the media repository (uploads: the privacy export is a file).
            "resources": [{"names": ["client"], "compress": False}],
        }],
        "database": {"name": "sqlite3", "args": {"database": str(directory / "homeserver.db")}},
        "log_config": str(directory / "log.config"),
        "media_store_path": str(directory / "media_store"),
        "signing_key_path": str(directory / "signing.key"),
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        # No other server may be reached or reach us.
        "federation_domain_whitelist": [],
        "report_stats": False,
        "enable_metrics": False,
        "presence": {"enabled": False},
        "url_preview_enabled": False,
        "enable_registration": False,
        "registration_shared_secret": shared_secret or secrets.token_urlsafe(32),
        "macaroon_secret_key": secrets.token_urlsafe(32),
        "form_secret": secrets.token_urlsafe(32),
        "bcrypt_rounds": 4,
        "allow_guest_access": False,
        "serve_server_wellknown": False,
    }
    if limits == "lifted":
        config.update(LIFTED_LIMITS)
    elif limits != "default":
        raise ValueError(f"limits must be 'default' or 'lifted', not {limits!r}")
    return config


def _log_config(log_file: Path) -> dict[str, Any]:
    """Synapse's logging: warnings and its start-up lines to one file, no per-request lines."""
    return {
        "version": 1,
        "formatters": {"precise": {"format": "%(asctime)s %(name)s %(levelname)s %(message)s"}},
        "handlers": {"file": {"class": "logging.FileHandler", "formatter": "precise",
                              "filename": str(log_file), "encoding": "utf-8"}},
        "loggers": {
            "synapse.access": {"level": "WARNING"},
            "synapse.storage.SQL": {"level": "WARNING"},
            "twisted": {"level": "WARNING"},
        },
        "root": {"level": "INFO", "handlers": ["file"]},
        "disable_existing_loggers": False,
    }


@dataclass
class Homeserver:
    """A running throwaway Synapse (see the module docstring)."""

    directory: Path
    port: int
    shared_secret: str
    limits: Limits
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    started_in: float = 0.0

    @property
    def url(self) -> str:
        """The base URL a Matrix client uses (the homeserver URL)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.directory / "homeserver.log"

    @classmethod
    def start(cls, directory: Path, *, limits: Limits = "lifted", port: int | None = None,
              timeout: float = 90.0) -> Self:
        """Write the configuration into `directory`, start Synapse and wait until it answers.

        Raises `HomeserverMissing` when Synapse is not installed and `HomeserverFailed` (with the
        end of Synapse's log) when it exits or does not answer within `timeout` seconds.
        """
        if not synapse_installed():
            raise HomeserverMissing
        directory = Path(directory).resolve()
        directory.mkdir(parents=True, exist_ok=True)
        server = cls(directory, port or free_port(), secrets.token_urlsafe(32), limits)
        key = directory / "signing.key"
        if not key.exists():
            key.write_text(_signing_key(), encoding="ascii")
            key.chmod(0o600)
        config_file = directory / "homeserver.yaml"
        config = homeserver_config(directory, server.port, limits=limits, shared_secret=server.shared_secret)
        config_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        config_file.chmod(0o600)
        (directory / "log.config").write_text(yaml.safe_dump(_log_config(server.log_file)), encoding="utf-8")
        began = time.monotonic()
        with (directory / "homeserver.out").open("ab") as out:
            server.process = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
                [sys.executable, "-m", "synapse.app.homeserver", "--config-path", str(config_file)],
                cwd=directory, env=child_environment(), stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,  # Ctrl-C in a terminal is ours to pass on
                preexec_fn=_ends_with_parent(),  # only prctl, prepared before the fork
            )
        try:
            server._wait_until_ready(timeout)
        except BaseException:
            server.stop()
            raise
        server.started_in = time.monotonic() - began
        return server

    def _wait_until_ready(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        versions = f"{self.url}/_matrix/client/versions"
        while True:
            code = self.process.poll()
            if code is not None:
                raise HomeserverFailed(f"Synapse exited with status {code} while starting.\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(versions, timeout=2) as answer:  # noqa: S310 (loopback http)
                    if answer.status == 200 and "versions" in json.loads(answer.read()):
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise HomeserverFailed(
                    f"Synapse did not answer {versions} within {timeout:.0f} s.\n{self.log_tail()}"
                )
            time.sleep(0.05)  # a readiness poll, not a wait for an event we could observe

    def log_tail(self, lines: int = 30) -> str:
        """The last lines Synapse wrote (its log and its standard output), for error messages."""
        parts = []
        for path in (self.directory / "homeserver.out", self.log_file):
            if path.exists():
                tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
                if tail:
                    parts.append(f"--- last lines of {path.name} ---\n" + "\n".join(tail))
        return "\n".join(parts) or "(Synapse wrote no log)"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        """Stop Synapse with SIGTERM (SIGKILL if it does not end within `timeout` seconds)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def admin(self, session: aiohttp.ClientSession | None = None) -> HomeserverAdmin:
        """An admin client for this homeserver (its own HTTP session unless one is given)."""
        return HomeserverAdmin(self.url, self.shared_secret, session=session)


# ----- accounts and the community --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Account:
    """A Matrix account on the homeserver, logged in on one device."""

    user_id: str
    password: str
    access_token: str
    device_id: str

    @property
    def localpart(self) -> str:
        return self.user_id[1:].split(":", 1)[0]


@dataclass(frozen=True, slots=True)
class Community:
    """The community's space and its rooms: room ids by place name (`bot.core.places`)."""

    space_id: str
    rooms: Mapping[str, str]
    owner: str

    def room(self, place: Place | str) -> str:
        return self.rooms[place if isinstance(place, str) else place.name]


def registration_mac(shared_secret: str, nonce: str, user: str, password: str, *, admin: bool = False) -> str:
    """The HMAC-SHA1 the shared-secret registration API expects (hex)."""
    mac = hmac.new(shared_secret.encode("utf-8"), digestmod=hashlib.sha1)
    for part in (nonce, user, password):
        mac.update(part.encode("utf-8"))
        mac.update(b"\x00")
    mac.update(b"admin" if admin else b"notadmin")
    return mac.hexdigest()


class MatrixRequestError(HomeserverFailed):
    """The homeserver refused a request the harness made."""

    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        errcode = body.get("errcode") if isinstance(body, dict) else None
        super().__init__(f"{method} {path} answered {status} {errcode or ''}: {body}")
        self.status = status
        self.errcode = errcode
        self.body = body


class HomeserverAdmin:
    """Accounts, rate-limit exemptions and the community, through the client and admin APIs."""

    def __init__(self, url: str, shared_secret: str, *, session: aiohttp.ClientSession | None = None) -> None:
        self.url = url.rstrip("/")
        self._secret = shared_secret
        self._session = session
        self._own_session = session is None
        self._admin: Account | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
        self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        return self._session

    async def request(self, method: str, path: str, *, token: str | None = None, body: Any = None,
                      params: Mapping[str, str] | None = None, wait_out_limits: bool = True) -> Any:
        """One JSON request; a refusal raises `MatrixRequestError`.

        `M_LIMIT_EXCEEDED` is waited out (as long as the server's `retry_after_ms` says) unless
        `wait_out_limits` is False.
        """
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        while True:
            async with self.session.request(method, self.url + path, json=body, headers=headers,
                                            params=params) as answer:
                data = await answer.json(content_type=None)
                if answer.status == 429 and wait_out_limits and isinstance(data, dict):
                    await asyncio.sleep(int(data.get("retry_after_ms", 1000)) / 1000)  # the server's order
                    continue
                if answer.status >= 400:
                    raise MatrixRequestError(method, path, answer.status, data)
                return data

    async def register(self, localpart: str, password: str | None = None, *, admin: bool = False,
                       displayname: str | None = None) -> Account:
        """A new account through the shared-secret admin API, logged in (its token is in the answer)."""
        password = password or secrets.token_urlsafe(12)
        nonce = (await self.request("GET", "/_synapse/admin/v1/register"))["nonce"]
        body: dict[str, Any] = {
            "nonce": nonce, "username": localpart, "password": password, "admin": admin,
            "mac": registration_mac(self._secret, nonce, localpart, password, admin=admin),
        }
        if displayname:
            body["displayname"] = displayname
        answer = await self.request("POST", "/_synapse/admin/v1/register", body=body)
        return Account(answer["user_id"], password, answer["access_token"], answer["device_id"])

    async def administrator(self) -> Account:
        """The harness's own server administrator (made on first use)."""
        if self._admin is None:
            self._admin = await self.register(f"harness-admin-{secrets.token_hex(4)}", admin=True)
        return self._admin

    async def exempt_from_rate_limits(self, user_id: str) -> None:
        """What a server admin does for a bot: no message (or other per-user) rate limit for this user."""
        admin = await self.administrator()
        path = f"/_synapse/admin/v1/users/{urllib.parse.quote(user_id)}/override_ratelimit"
        await self.request("POST", path, token=admin.access_token, body={"messages_per_second": 0, "burst_count": 0})

    async def create_room(self, owner: Account, *, name: str, space: bool = False, public: bool = True,
                          parent: str | None = None, alias: str | None = None, topic: str | None = None,
                          power_levels: Mapping[str, Any] | None = None) -> str:
        """A room (or a space) made by `owner`; `parent` puts it in that space on both sides."""
        body: dict[str, Any] = {
            "name": name,
            "preset": "public_chat" if public else "private_chat",
            "visibility": "private",
            "initial_state": [],
        }
        if space:
            body["creation_content"] = {"type": "m.space"}
        if alias:
            body["room_alias_name"] = alias
        if topic:
            body["topic"] = topic
        if power_levels:
            body["power_level_content_override"] = dict(power_levels)
        if parent:
            body["initial_state"].append({"type": "m.space.parent", "state_key": parent,
                                          "content": {"via": [SERVER_NAME], "canonical": True}})
        if not public:
            body["initial_state"].append({"type": "m.room.history_visibility", "state_key": "",
                                          "content": {"history_visibility": "joined"}})
        room_id = (await self.request("POST", "/_matrix/client/v3/createRoom", token=owner.access_token,
                                      body=body))["room_id"]
        if parent:
            await self.request(
                "PUT", f"/_matrix/client/v3/rooms/{_q(parent)}/state/m.space.child/{_q(room_id)}",
                token=owner.access_token, body={"via": [SERVER_NAME], "suggested": public},
            )
        return room_id

    async def create_community(self, owner: Account, *, name: str = "Multinations Norsjö",
                               alias_prefix: str | None = None,
                               places: Iterable[Place] = PLACES) -> Community:
        """The space and one room per place, owned by `owner` (the bot in the tests and the try-out).

        Public places (welcome, start-here, announcements, general) are open to anyone; staff rooms
        (volunteers, organizers, coordinators, translators) are invite-only: their members are the
        staff group. In announcements only moderators post; everyone may react and answer polls.
        `alias_prefix` gives every room an alias (`#<prefix><name>:localhost`, the space
        `#<prefix>community:localhost`); None gives none.
        """
        space_alias = f"{alias_prefix}community" if alias_prefix is not None else None
        space_id = await self.create_room(owner, name=name, space=True, alias=space_alias,
                                          power_levels={"events_default": 100})
        distinct = list(dict.fromkeys(place.fallback for place in places))
        staff = {place.fallback for place in places if place.staff}
        made = await asyncio.gather(*(  # one after another would take a second longer per community
            self.create_room(owner, name=fallback, public=fallback not in staff, parent=space_id,
                             power_levels=ANNOUNCEMENT_LEVELS if fallback == "announcements" else None,
                             alias=f"{alias_prefix}{fallback}" if alias_prefix is not None else None)
            for fallback in distinct
        ))
        rooms = dict(zip(distinct, made, strict=True))
        by_name = {place.name: rooms[place.fallback] for place in places}
        by_name.update(rooms)
        return Community(space_id, by_name, owner.user_id)

    async def invite(self, inviter: Account, room_id: str, user_id: str) -> None:
        await self.request("POST", f"/_matrix/client/v3/rooms/{_q(room_id)}/invite", token=inviter.access_token,
                           body={"user_id": user_id})

    async def join(self, account: Account, room_id: str) -> None:
        await self.request("POST", f"/_matrix/client/v3/join/{_q(room_id)}", token=account.access_token, body={})

    async def force_join(self, user_id: str, room_id: str) -> None:
        """Join a user to a public room through the admin API (no join rate limit: for setting up many)."""
        admin = await self.administrator()
        await self.request("POST", f"/_synapse/admin/v1/join/{_q(room_id)}", token=admin.access_token,
                           body={"user_id": user_id})

    async def add_member(self, inviter: Account, room_id: str, member: Account) -> None:
        """`member` in `room_id` (invited by `inviter` first, as a staff room needs)."""
        with contextlib.suppress(MatrixRequestError):  # already a member, or the room is public
            await self.invite(inviter, room_id, member.user_id)
        await self.join(member, room_id)


def _q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


# ----- the try-out (`multinations-bot matrix-tryout`) ------------------------------------------------
#: The line the try-out prints once everything runs (a test waits for it).
READY_LINE = "matrix-tryout: ready at"
#: Runs the bot with these settings (environment variables) until the first event is set; sets the
#: second once the bot follows the homeserver (its first sync handled).
BotRunner = Callable[[Mapping[str, str], asyncio.Event, asyncio.Event], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class TryoutMember:
    account: Account
    role: str


@dataclass(frozen=True, slots=True)
class Tryout:
    """What the try-out made: the homeserver URL, the bot's account, the community and two members."""

    url: str
    bot: Account
    community: Community
    members: tuple[TryoutMember, ...]

    def bot_settings(self) -> dict[str, str]:
        """The bot's Matrix settings for this community, as environment variables."""
        return {
            "MATRIX_HOMESERVER": self.url,
            "MATRIX_USER_ID": self.bot.user_id,
            "MATRIX_ACCESS_TOKEN": self.bot.access_token,
            "MATRIX_DEVICE_ID": self.bot.device_id,
            "MATRIX_SPACE": f"#community:{SERVER_NAME}",  # the try-out gives the space this alias
        }


def matrix_bot_runner() -> BotRunner | None:
    """The one way the try-out, the benchmark and the tests run the bot on Matrix.

    It calls the Matrix adapter's entry point (`bot.matrix.run.run_matrix`, what `multinations-bot
    run --platform matrix` runs) with the settings given as environment variables over this
    process's own (no `.env`), until `stopping` is set.
    """

    async def run(environ: Mapping[str, str], stopping: asyncio.Event, ready: asyncio.Event) -> None:
        from bot.core.settings import load_settings
        from bot.matrix.features import install_features
        from bot.matrix.run import run_matrix

        settings = load_settings({**os.environ, "PLATFORM": "matrix", **environ}, dotenv=None)
        watchers: list[asyncio.Task[None]] = []

        async def tell_when_ready(services: Any, bot: Any) -> None:
            async def wait() -> None:
                await bot.ready.wait()
                ready.set()

            watchers.append(asyncio.create_task(wait(), name="bg:matrix-ready"))

        try:
            await run_matrix(settings, stopping, installers=[install_features, tell_when_ready])
        finally:
            for watcher in watchers:
                watcher.cancel()

    return run


async def prepare_tryout(admin: HomeserverAdmin) -> Tryout:
    """The bot (exempted from rate limits), the space with its rooms, a newcomer and a staff member."""
    bot = await admin.register("multinations-bot", displayname="Multinations bot")
    await admin.exempt_from_rate_limits(bot.user_id)
    community = await admin.create_community(bot, alias_prefix="")
    newcomer = await admin.register("amina", _password(), displayname="Amina")
    staff = await admin.register("tesfay", _password(), displayname="Tesfay")
    for member in (newcomer, staff):
        await admin.invite(bot, community.space_id, member.user_id)
    await admin.join(staff, community.space_id)
    staff_places = [place for place in PLACES if place.staff]
    for place in staff_places:
        await admin.add_member(bot, community.room(place), staff)
    groups = ", ".join(place.fallback for place in staff_places)
    return Tryout(admin.url, bot, community, (
        TryoutMember(newcomer, "a newcomer: invited to the space, not in it yet (join it to be welcomed)"),
        TryoutMember(staff, f"staff: in the space and in the rooms {groups}"),
    ))


def _password() -> str:
    return "-".join(secrets.token_hex(2) for _ in range(4))


def tryout_instructions(tryout: Tryout, directory: Path, *, kept: bool) -> str:
    """What the try-out prints: how to log in with any Matrix client, and who is who."""
    rooms = ", ".join(f"#{name}:{SERVER_NAME}" for name in dict.fromkeys(p.fallback for p in PLACES))
    lines = [
        "A throwaway Matrix homeserver (Synapse) runs on this machine only, with the bot in it.",
        "",
        f"  Homeserver URL:  {tryout.url}",
        f"  Space:           #community:{SERVER_NAME}   rooms: {rooms}",
        f"  Bot:             {tryout.bot.user_id}",
        "",
        "Log in with any Matrix client (Element Desktop: 'Sign in', 'Edit' the homeserver, enter the URL",
        "above; it must run on this machine) as one of these members:",
    ]
    for member in tryout.members:
        account = member.account
        lines.append(f"  {account.localpart:<8} user {account.user_id}  password {account.password}")
        lines.append(f"  {'':<8} {member.role}")
    lines += [
        "",
        "Commands are typed as messages, e.g. !help in any room of the space.",
        f"Everything is kept in {directory}" + ("." if kept else " and removed when you stop."),
        "Stop with Ctrl-C.",
    ]
    return "\n".join(lines)


async def run_tryout(directory: Path | None, run_bot: BotRunner | None, *, out: TextIO | None = None) -> int:
    """Start the homeserver, make the community, run the bot on it until SIGINT/SIGTERM, stop both.

    `directory` keeps everything (the homeserver and the bot's database); None uses a temporary one
    removed at the end. `run_bot(settings, stopping, ready)` runs the bot with the Matrix settings
    given until `stopping` is set (see `BotRunner`); None runs the homeserver without a bot. The
    ready line is printed once the bot follows the homeserver.
    """
    out = out or sys.stdout
    kept = directory is not None
    home = Path(directory) if directory is not None else Path(tempfile.mkdtemp(prefix="multinations-matrix-"))
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    handled = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stopping.set)
            handled.append(sig)
    server: Homeserver | None = None
    try:
        print("starting a throwaway Synapse on 127.0.0.1 ...", file=out, flush=True)
        # Started from this thread (not a worker thread: the homeserver ends with the thread that started it).
        server = Homeserver.start(home / "synapse", limits="default")
        async with server.admin() as admin:
            tryout = await prepare_tryout(admin)
        settings = {**tryout.bot_settings(), "DATABASE_PATH": str(home / "bot.sqlite3")}
        print(tryout_instructions(tryout, home, kept=kept), file=out, flush=True)
        ready = asyncio.Event()
        if run_bot is None:
            print("The Matrix adapter is not in this build: the homeserver runs without the bot.", file=out, flush=True)
            ready.set()
        bot = asyncio.create_task(run_bot(settings, stopping, ready) if run_bot else stopping.wait(),
                                  name="bg:matrix-bot")
        readiness = asyncio.create_task(ready.wait())
        await asyncio.wait({bot, readiness}, return_when=asyncio.FIRST_COMPLETED)
        readiness.cancel()
        if ready.is_set():
            print(f"{READY_LINE} {tryout.url}", file=out, flush=True)
        waiter = asyncio.create_task(stopping.wait())
        await asyncio.wait({bot, waiter}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        stopping.set()
        await bot  # the bot ends its turn in hand and closes; its error (if any) is raised here
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
        if server is not None:
            await asyncio.to_thread(server.stop)
        if not kept:
            shutil.rmtree(home, ignore_errors=True)
    print("stopped: the bot and the homeserver", file=out, flush=True)
    return 0
