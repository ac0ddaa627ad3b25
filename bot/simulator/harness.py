"""The local guild simulator: the real bot against a simulated Discord, with a driven clock.

    async with Simulator.running(tmp_path / "bot.db", start=datetime(2026, 12, 1, 12, tzinfo=UTC)) as sim:
        await sim.join("Amal")
        await sim.slash("Amal", "/language")
        await sim.pick("Amal", ["ar"])
        await sim.restart()
        step = await sim.slash("Amal", "/privacy show")
        assert "العربية" in step.last().text

Real discord.py, real cogs, real SQLite and the real APScheduler run; only Discord's side (see
`discord_side.FakeDiscord`) is replaced. Gateway events are fed as raw payloads; time is moved with
time-machine and the scheduler is woken at every due time on the way (`advance`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import shlex
import time as _time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from bot.core.collector import Collector
from bot.core.db import CrashSwitch
from bot.core.i18n import Catalogs
from bot.core.services import Services, build_services
from bot.core.settings import RoleIds, Settings
from bot.edge.client import MultinationsBot
from bot.simulator.clock import SimClock
from bot.simulator.discord_side import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    APP_ID,
    GUILD_ID,
    Action,
    Channel,
    FakeDiscord,
    FakeSession,
    Member,
    Message,
    snowflake,
)

log = logging.getLogger(__name__)

#: Members per chunk when the guild is delivered (Discord's own chunk size).
_MEMBER_CHUNK = 1000


def _import_time_machine() -> Any:
    """time-machine without the pytest plugin and the dateutil parser it loads when they are installed.

    With the test extras installed, `import time_machine` also imports pytest (for its fixture),
    pygments and dateutil: about 7 MiB that a simulated guild outside the test suite (the console,
    the benchmarks) never uses. The simulator passes datetimes, never strings, so it needs neither.
    Under pytest, pytest is already imported and stays as it is.
    """
    import sys
    import types

    hidden = [name for name in ("pytest", "dateutil") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
    # time-machine takes only `unittest.TestCase` from unittest (to decorate test classes, which the
    # simulator never does); unittest brings argparse and pprint with it. Outside a test run it gets a
    # stand-in class; the real unittest stays importable afterwards.
    stand_in = "unittest" not in sys.modules and "pytest" in hidden
    if stand_in:
        unittest = types.ModuleType("unittest")
        unittest.TestCase = type("TestCase", (), {})  # type: ignore[attr-defined]
        sys.modules["unittest"] = unittest
    try:
        import time_machine
    finally:
        for name in hidden:
            del sys.modules[name]
        if stand_in:
            del sys.modules["unittest"]
    return time_machine


time_machine = _import_time_machine()

#: Where the simulated clock starts unless told otherwise: a Tuesday in Norsjö's winter, 13:00 local
#: time. Fixed, so that nothing run on the simulator depends on the day or hour it runs.
DEFAULT_START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

SEED_CHANNELS = ("welcome", "start-here", "general", "announcements", "events", "volunteers", "translators",
                 "coordinators", "organizers")
STAFF_ROLES = ("volunteer", "organizer", "coordinator", "translator")


class SimulatorError(Exception):
    """A scripted step could not be performed (unknown member, no such button, ...)."""


@dataclass
class Step:
    """The actions one scripted step caused."""

    actions: list[Action] = field(default_factory=list)

    def last(self, kind: str | None = None) -> Action:
        """The newest action (of a kind)."""
        for action in reversed(self.actions):
            if kind is None or action.kind == kind:
                return action
        raise AssertionError(f"no {kind or ''} action in this step: {[a.kind for a in self.actions]}")

    def of(self, kind: str) -> list[Action]:
        """All actions of a kind."""
        return [a for a in self.actions if a.kind == kind]

    @property
    def text(self) -> str:
        """All visible text of the step."""
        return "\n".join(a.text for a in self.actions)


def seed_guild(fake: FakeDiscord) -> None:
    """A guild configured so that every capability works out of the box."""
    for name in SEED_CHANNELS:
        fake.add_channel(name)
    position = 1
    for name in ("newcomer", "mentor", *STAFF_ROLES):
        fake.add_role(name, position)
        position += 1
    from bot.core.capabilities import HELP_TOPICS
    from bot.core.languages import LANGUAGES

    for code in LANGUAGES:
        fake.add_role(f"lang-{code}", position)
        position += 1
    for topic in HELP_TOPICS:
        fake.add_role(f"help-{topic}", position)
        position += 1
    fake.add_role("admin", position, permissions=ADMINISTRATOR)
    position += 1
    bot_role = fake.add_role("Multinations", position + 10, permissions=ALL_PERMISSIONS, managed=True)
    fake.bot_member.roles.append(bot_role.id)


def simulator_settings(fake: FakeDiscord, database_path: Path, **overrides: Any) -> Settings:
    """Settings pointing at the seeded guild's roles."""
    roles = RoleIds(**{name: fake.role_named(name).id for name in STAFF_ROLES})
    base = Settings(discord_token=None, database_path=database_path, guild_id=GUILD_ID, roles=roles)
    return base.with_overrides(**overrides) if overrides else base


class Simulator:
    """Drives the real bot through a simulated guild."""

    def __init__(
        self,
        database_path: Path | str,
        *,
        start: datetime | None = None,
        settings: Settings | None = None,
        extensions: Sequence[str] | None = None,
        catalogs: Catalogs | None = None,
        seed: Callable[[FakeDiscord], None] = seed_guild,
        busy_timeout_ms: int = 5000,
        collector: Collector | None = None,
    ) -> None:
        """`collector`: how the bot's cycle collection runs; by default without the start-up freeze,
        which only a process that runs one bot should do (a benchmark passes `Collector()`, as production has)."""
        self.database_path = Path(database_path)
        self._collector = collector
        self.discord = FakeDiscord()
        seed(self.discord)
        self.settings = settings or simulator_settings(self.discord, self.database_path)
        self._extensions = extensions
        self._busy_timeout_ms = busy_timeout_ms
        self._catalogs = catalogs or Catalogs.load()
        start = start or DEFAULT_START
        if start.tzinfo is None:
            raise ValueError("the simulator needs an aware start time")
        self._start = start
        self._traveller: Any = None
        self._coordinates: Any = None
        self.bot: MultinationsBot | None = None
        self.services: Services | None = None
        self._baseline: set[asyncio.Task[Any]] = set()
        self.discord.on_gateway_event = self._gateway_from_discord

    # ----- life cycle -------------------------------------------------------------------------
    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, database_path: Path | str, **kwargs: Any) -> AsyncIterator[Simulator]:
        """Start a simulator and always stop it (closing the database)."""
        sim = cls(database_path, **kwargs)
        try:
            await sim.start()
            yield sim
        finally:
            await sim.close()

    @property
    def now(self) -> datetime:
        """The simulated time; before the clock started (or after it stopped), the instant it starts at."""
        if self._coordinates is None:
            return self._start
        return datetime.now(UTC)

    async def start(self) -> None:
        """Start the bot: open the database, log in against the simulated Discord, load the guild."""
        self._start_clock()
        if not self.discord.clock.simulated:
            self.discord.clock = SimClock(self._move_forward)
        self.discord.clock.attach(asyncio.get_running_loop())
        services = await build_services(
            self.settings, catalogs=self._catalogs, database_path=self.database_path,
            busy_timeout_ms=self._busy_timeout_ms,
            collector=self._collector or Collector(freeze_at_ready=False),
        )
        bot = MultinationsBot(services, extensions=self._extensions)
        try:
            await self.attach(bot)
        except BaseException:
            await services.close()
            raise

    async def attach(self, bot: MultinationsBot) -> None:
        """Log `bot` in against the simulated Discord and deliver READY with the guild: no gateway.

        `start` uses it for a bot it built; a test may use it for a bot built elsewhere (the one
        `multinations-bot run` builds). The clock is not started here: call `set_time` first (without it
        the bot would run on the machine's real clock).
        """
        fake = self.discord
        current = asyncio.current_task()
        # Tasks already running (e.g. the command line's own) are not the bot's: `settle` ignores them.
        self._baseline = {t for t in asyncio.all_tasks() if t is not current and not t.done()}

        async def static_login(token: str) -> dict[str, Any]:
            http = bot.http
            http._HTTPClient__session = FakeSession(fake)  # type: ignore[attr-defined]
            http._global_over = asyncio.Event()
            http._global_over.set()
            http.token = token
            return await http.request(discord.http.Route("GET", "/users/@me"))

        bot.http.static_login = static_login  # type: ignore[method-assign]
        await bot.login("simulated-token")
        state = bot._connection
        state.application_id = APP_ID
        guild = state._add_guild_from_data(fake.guild_payload(members=False))  # type: ignore[arg-type]
        # Without the presences intent Discord's GUILD_CREATE carries only the bot itself (and members in
        # voice); the others come only to a bot that asks for them (REQUEST_GUILD_MEMBERS, which discord.py
        # sends at start with `chunk_guilds_at_startup`), in chunks of 1,000 (GUILD_MEMBERS_CHUNK): a
        # 10,000-member guild is never one payload in memory at once.
        asks_for_members = bool(state._chunk_guilds) and state._intents.members
        present = [m for m in fake.members.values() if m.present] if asks_for_members else []
        for k in range(0, len(present), _MEMBER_CHUNK):
            for data in [m.payload() for m in present[k:k + _MEMBER_CHUNK]]:
                guild._add_member(discord.Member(data=data, guild=guild, state=state))  # type: ignore[arg-type]
        bot._ready.set()  # type: ignore[union-attr]
        self.bot, self.services = bot, bot.services
        bot.dispatch("ready")
        await self.settle()
        self._baseline = {t for t in asyncio.all_tasks() if not t.done()}
        self._baseline.discard(current)  # type: ignore[arg-type]

    async def stop(self) -> None:
        """Stop the bot as SIGTERM would: scheduler stopped, connection closed, database closed."""
        if self.bot is None:
            return
        await self.settle()
        bot, services = self.bot, self.services
        self.bot, self.services = None, None
        await bot.close()
        if services is not None:
            await services.close()

    async def restart(self) -> Step:
        """Stop the bot and start it again on the same database; Discord's side keeps its state."""
        mark = len(self.discord.actions)
        await self.stop()
        await self.start()
        await self.settle()
        return Step(self.discord.actions[mark:])

    async def crash(self) -> None:
        """Lose the process without a clean shutdown: nothing is awaited, the database is just closed."""
        if self.bot is None:
            return
        bot, services = self.bot, self.services
        self.bot, self.services = None, None
        services.waker.shutdown()  # type: ignore[union-attr]
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task() and task not in self._baseline:
                task.cancel()
        await asyncio.sleep(0)
        await services.db.close()  # type: ignore[union-attr]
        with contextlib.suppress(Exception):
            await bot.close()

    def arm_crash(self, after_writes: int | None) -> CrashSwitch:
        """Kill the bot at its n-th database write from now (None: only count the writes).

        After the step that trips it, call `recover()`: the process is restarted on the same database,
        as a supervisor would after a kill.
        """
        switch = CrashSwitch(after_writes)
        self.running_bot.services.db.crash_switch = switch
        self.discord.process_dead = lambda: switch.dead
        return switch

    async def recover(self) -> Step:
        """After a tripped crash: drop the dead process and start a new one on the same database."""
        mark = len(self.discord.actions)
        await self.crash()
        self.discord.process_dead = None
        await self.start()
        await self.settle()
        return Step(self.discord.actions[mark:])

    async def close(self) -> None:
        """Stop the bot and the clock."""
        try:
            await self.stop()
        finally:
            self.discord.clock.detach()
            if self._coordinates is not None:
                self._start = datetime.now(UTC)  # a later `start` goes on from here
                self._traveller.stop()
                self._traveller = self._coordinates = None

    def _start_clock(self) -> None:
        """Start the simulated clock at the start instant (once; later calls keep it running)."""
        if self._coordinates is None:
            self._traveller = time_machine.travel(self._start, tick=False)
            self._coordinates = self._traveller.start()

    def _move_forward(self, when: datetime) -> None:
        """Move the simulated clock to `when` if that is later (discord.py waiting out a rate limit)."""
        if self._coordinates is not None and when > self.now:
            self._coordinates.move_to(when)

    @property
    def running_bot(self) -> MultinationsBot:
        """The running bot (raises when stopped)."""
        if self.bot is None:
            raise SimulatorError("the bot is not running")
        return self.bot

    async def settle(self, timeout: float = 30.0) -> None:
        """Wait until every task the last input started has finished (handlers, jobs, views)."""
        deadline = _time.monotonic() + timeout
        current = asyncio.current_task()
        while True:
            for _ in range(3):
                await asyncio.sleep(0)
            pending = [t for t in asyncio.all_tasks() if t is not current and self._counts(t)]
            if not pending:
                for _ in range(3):
                    await asyncio.sleep(0)
                if not any(t is not current and self._counts(t) for t in asyncio.all_tasks()):
                    return
                continue
            remaining = deadline - _time.monotonic()
            if remaining <= 0:
                raise SimulatorError(f"the bot did not settle: {[t.get_name() for t in pending]}")
            await asyncio.wait(pending, timeout=remaining)

    def _counts(self, task: asyncio.Task[Any]) -> bool:
        """Whether `settle` waits for this task (not long-lived background or view-timeout tasks)."""
        if task.done() or task in self._baseline or task.get_name().startswith("bg:"):
            return False
        coro = task.get_coro()
        return not getattr(coro, "__qualname__", "").endswith("__timeout_task_impl")

    # ----- time -------------------------------------------------------------------------------
    async def advance(self, delta: timedelta) -> Step:
        """Move the clock forward, running every scheduled job at its time on the way."""
        return await self.advance_to(self.now + delta)

    async def advance_to(self, target: datetime) -> Step:
        """Move the clock to `target`, waking the scheduler at each due time before it."""
        mark = len(self.discord.actions)
        bot = self.running_bot
        services = bot.services
        waker = services.waker
        for _ in range(100_000):
            due = await services.jobs.next_due()
            if waker.retry_at is not None:  # backing off after a storage fault: the next try decides
                due = waker.retry_at if due is None else max(due, waker.retry_at)
            if due is None or due > target:
                break
            self._coordinates.move_to(max(due, self.now))
            waker.wakeup()
            await self.settle()
            if waker.retry_at is None or waker.retry_at <= self.now:
                await waker.run_now()  # what the wake-up left (e.g. rows planned during it)
            await self.settle()
        self._coordinates.move_to(max(target, self.now))  # rate-limit waits may have moved it further
        services.waker.wakeup()
        await self.settle()
        return Step(self.discord.actions[mark:])

    def set_time(self, when: datetime) -> None:
        """Move the clock without running anything (e.g. to model downtime before `start`)."""
        self._start_clock()
        self._coordinates.move_to(when)

    # ----- members --------------------------------------------------------------------------------
    def member(self, name_or_member: str | Member) -> Member:
        """A member by name."""
        if isinstance(name_or_member, Member):
            return name_or_member
        try:
            return self.discord.member_named(name_or_member)
        except KeyError:
            raise SimulatorError(f"no member called {name_or_member!r}; use join first") from None

    async def join(self, name: str, locale: str = "en-US", *, pending: bool = False, bot: bool = False,
                   dms_open: bool = True) -> Member:
        """A member joins the guild (GUILD_MEMBER_ADD)."""
        try:
            member = self.discord.member_named(name)
            member.present = True
            member.pending = pending
            member.roles = []
            member.joined_at = self.now
        except KeyError:
            member = self.discord.add_member(name, locale=locale, pending=pending, bot=bot)
        member.locale = locale
        member.dms_open = dms_open
        self.running_bot._connection.parse_guild_member_add(
            {"guild_id": str(GUILD_ID), **member.payload()}  # type: ignore[typeddict-item]
        )
        await self.settle()
        return member

    async def complete_screening(self, name: str) -> Step:
        """The member accepts the rules (pending turns false: GUILD_MEMBER_UPDATE)."""
        mark = len(self.discord.actions)
        member = self.member(name)
        member.pending = False
        self._feed_member_update(member)
        await self.settle()
        return Step(self.discord.actions[mark:])

    async def leave(self, name: str) -> Step:
        """The member leaves (GUILD_MEMBER_REMOVE)."""
        mark = len(self.discord.actions)
        member = self.member(name)
        member.present = False
        self.running_bot._connection.parse_guild_member_remove(
            {"guild_id": str(GUILD_ID), "user": member.user_payload()}
        )
        await self.settle()
        return Step(self.discord.actions[mark:])

    async def grant(self, name: str, role_name: str) -> None:
        """Give a member a role (as a server admin would)."""
        member = self.member(name)
        role = self.discord.role_named(role_name)
        if role.id not in member.roles:
            member.roles.append(role.id)
        self._feed_member_update(member)
        await self.settle()

    async def revoke(self, name: str, role_name: str) -> None:
        """Take a role away."""
        member = self.member(name)
        role = self.discord.role_named(role_name)
        if role.id in member.roles:
            member.roles.remove(role.id)
        self._feed_member_update(member)
        await self.settle()

    def _feed_member_update(self, member: Member) -> None:
        if self.bot is not None:
            self.bot._connection.parse_guild_member_update(
                {"guild_id": str(GUILD_ID), **member.payload()}  # type: ignore[typeddict-item]
            )

    def _gateway_from_discord(self, event: str, data: dict[str, Any]) -> None:
        if self.bot is not None and event == "GUILD_MEMBER_UPDATE":
            self.bot._connection.parse_guild_member_update(data)  # type: ignore[arg-type]

    # ----- interactions ---------------------------------------------------------------------------
    def channel(self, where: str | Channel, member: Member) -> Channel:
        """A channel by name; `dm` is the member's DM with the bot."""
        if isinstance(where, Channel):
            return where
        if where == "dm":
            return self.discord.dm_channel_for(member.id)
        try:
            return self.discord.channel_named(where)
        except KeyError:
            raise SimulatorError(f"no channel #{where.lstrip('#')}") from None

    def _payload(self, member: Member, channel: Channel, kind: int, data: dict[str, Any],
                 message: Message | None = None, locale: str | None = None) -> dict[str, Any]:
        interaction_id, token = self.discord.new_interaction(member, channel, message.id if message else None,
                                                             kind=kind)
        payload: dict[str, Any] = {
            "id": str(interaction_id), "application_id": str(APP_ID), "type": kind, "token": token, "version": 1,
            "attachment_size_limit": 8 * 1024 * 1024, "data": data, "locale": locale or member.locale,
            "entitlements": [], "app_permissions": str(ALL_PERMISSIONS),
        }
        if channel.type == 1:
            payload.update({"channel_id": str(channel.id), "channel": channel.payload(),
                            "user": member.user_payload(), "context": 1,
                            "authorizing_integration_owners": {"1": str(member.id)}})
        else:
            payload.update({
                "guild_id": str(GUILD_ID), "channel_id": str(channel.id), "channel": channel.payload(),
                "member": {**member.payload(), "permissions": str(self.discord.member_permissions(member))},
                "guild_locale": "sv-SE", "context": 0, "authorizing_integration_owners": {"0": str(GUILD_ID)},
            })
        if message is not None:
            payload["message"] = message.payload()
        self.discord.interactions[token]["started"] = asyncio.get_running_loop().time()
        return payload

    async def _feed(self, payload: dict[str, Any]) -> Step:
        mark = len(self.discord.actions)
        self.running_bot._connection.parse_interaction_create(payload)  # type: ignore[arg-type]
        await self.settle()
        return Step(self.discord.actions[mark:])

    def feed_nowait(self, payload: dict[str, Any]) -> None:
        """Feed a raw interaction without waiting (benchmarks)."""
        self.running_bot._connection.parse_interaction_create(payload)  # type: ignore[arg-type]

    def _find_command(self, path: list[str]) -> tuple[app_commands.Command[Any, ..., Any], list[str]]:
        tree = self.running_bot.tree
        top = tree.get_command(path[0])
        if top is None:
            raise SimulatorError(f"no command /{path[0]}")
        node: Any = top
        used = [path[0]]
        for part in path[1:]:
            if isinstance(node, app_commands.Group):
                child = node.get_command(part)
                if child is None:
                    raise SimulatorError(f"no subcommand {part!r} in /{' '.join(used)}")
                node = child
                used.append(part)
            else:
                break
        if isinstance(node, app_commands.Group):
            names = ", ".join(c.name for c in node.commands)
            raise SimulatorError(f"/{' '.join(used)} needs a subcommand: {names}")
        return node, used

    def build_command_data(self, member: Member, line_or_path: str, options: dict[str, Any] | None = None,
                           focused: str | None = None) -> dict[str, Any]:
        """The `data` of an APPLICATION_COMMAND interaction from `/cmd sub opt:value` or a path + options."""
        options = dict(options or {})
        words = shlex.split(line_or_path.lstrip("/"))
        path: list[str] = []
        for word in words:
            name, sep, value = word.partition(":")
            if sep:
                options[name] = value
            else:
                path.append(word)
        if not path:
            raise SimulatorError("empty command")
        command, used = self._find_command(path)
        extra = path[len(used):]
        if extra:
            raise SimulatorError(f"unexpected words {extra!r}; options are written name:value")
        params = {p.name: p for p in command.parameters}
        resolved: dict[str, dict[str, Any]] = {}
        built: list[dict[str, Any]] = []
        for name, raw in options.items():
            param = params.get(name)
            if param is None:
                raise SimulatorError(f"/{' '.join(used)} has no option {name!r}; it has {sorted(params)}")
            built.append(self._option(param, raw, resolved, focused == name))
        missing = [p.name for p in command.parameters if p.required and p.name not in options]
        if missing and focused is None:
            raise SimulatorError(f"/{' '.join(used)} needs {', '.join(missing)}")
        data_options: list[dict[str, Any]] = built
        for depth in range(len(used) - 1, 0, -1):
            kind = 1 if depth == len(used) - 1 else 2
            data_options = [{"type": kind, "name": used[depth], "options": data_options}]
        data: dict[str, Any] = {"id": str(snowflake()), "name": used[0], "type": 1, "options": data_options}
        if resolved:
            data["resolved"] = resolved
        return data

    def _option(self, param: app_commands.Parameter, raw: Any, resolved: dict[str, dict[str, Any]],
                focused: bool) -> dict[str, Any]:
        opt_type = param.type
        entry: dict[str, Any] = {"name": param.name, "type": opt_type.value}
        if focused:
            entry["focused"] = True
            entry["value"] = str(raw)
            return entry
        text = str(raw)
        if opt_type is discord.AppCommandOptionType.integer:
            try:
                entry["value"] = int(text)
            except ValueError:
                raise SimulatorError(f"{param.name} must be a whole number") from None
        elif opt_type is discord.AppCommandOptionType.number:
            entry["value"] = float(text)
        elif opt_type is discord.AppCommandOptionType.boolean:
            entry["value"] = text.lower() in {"true", "yes", "1", "ja"}
        elif opt_type is discord.AppCommandOptionType.user:
            target = self.member(text.lstrip("@"))
            entry["value"] = str(target.id)
            resolved.setdefault("users", {})[str(target.id)] = target.user_payload()
            resolved.setdefault("members", {})[str(target.id)] = {
                k: v for k, v in target.payload().items() if k != "user"
            } | {"permissions": str(self.discord.member_permissions(target))}
        elif opt_type is discord.AppCommandOptionType.channel:
            channel = self.discord.channel_named(text)
            entry["value"] = str(channel.id)
            resolved.setdefault("channels", {})[str(channel.id)] = {
                "id": str(channel.id), "name": channel.name, "type": channel.type, "permissions": str(ALL_PERMISSIONS)
            }
        elif opt_type is discord.AppCommandOptionType.role:
            role = self.discord.role_named(text.lstrip("@"))
            entry["value"] = str(role.id)
            resolved.setdefault("roles", {})[str(role.id)] = role.payload()
        else:
            entry["value"] = text
        return entry

    async def slash(self, who: str | Member, line: str, *, options: dict[str, Any] | None = None,
                    channel: str | Channel = "general", locale: str | None = None) -> Step:
        """Run a slash command: `await sim.slash("Amal", '/faq search query:"bank id"')`."""
        member = self.member(who)
        data = self.build_command_data(member, line, options)
        return await self._feed(self._payload(member, self.channel(channel, member), 2, data, locale=locale))

    async def autocomplete(self, who: str | Member, line: str, option: str, value: str, *,
                           channel: str | Channel = "general", locale: str | None = None) -> list[dict[str, Any]]:
        """Type into an option with autocomplete; returns the choices the bot offered."""
        member = self.member(who)
        data = self.build_command_data(member, line, {option: value}, focused=option)
        step = await self._feed(self._payload(member, self.channel(channel, member), 4, data, locale=locale))
        return step.last("autocomplete").extra["choices"]

    def messages_for(self, who: str | Member) -> list[Message]:
        """What the member can see, oldest first."""
        return self.discord.visible_messages(self.member(who).id)

    def _find_component(self, member: Member, selector: str | int | None, ctype: int,
                        message: Message | None) -> tuple[Message, dict[str, Any]]:
        """The component a selector names, on the newest message the member can see that has it.

        A label or custom id as written wins anywhere; failing that, a part of a label as a person
        reads it ("Start" for "Starta · Start · ابدأ", "going" for "✅ Going"), on the newest message.
        """
        candidates = [message] if message is not None else list(reversed(self.messages_for(member)))
        with_components = [(msg, [c for c in _walk(msg.components) if c.get("type") == ctype]) for msg in candidates]
        with_components = [(msg, comps) for msg, comps in with_components if comps]
        for msg, comps in with_components:
            if selector is None:
                return msg, comps[0]
            if isinstance(selector, int):
                if 0 <= selector < len(comps):
                    return msg, comps[selector]
                continue
            for comp in comps:
                if selector in (comp.get("label"), comp.get("custom_id")):
                    return msg, comp
            if message is None and selector.isdigit() and int(selector) < len(comps):
                return msg, comps[int(selector)]
        kind = "button" if ctype == 2 else "select menu"
        if isinstance(selector, str):
            for msg, comps in with_components:
                found = _by_label_part(selector, comps)
                if len(found) == 1:
                    return msg, found[0]
                if found:
                    labels = ", ".join(repr(c.get("label")) for c in found)
                    raise SimulatorError(f"{selector!r} matches several buttons: {labels}; write more of the label")
        raise SimulatorError(f"no {kind} {selector!r} on the messages {member.name} can see")

    def find_button(self, who: str | Member, label: str | int) -> tuple[Message, dict[str, Any]]:
        """The button `press` would press (for a shell that says what it matched)."""
        return self._find_component(self.member(who), label, 2, None)

    async def press(self, who: str | Member, label: str | int, *, message: Message | None = None,
                    locale: str | None = None) -> Step:
        """Press a button (by label, custom id or index) on the newest message that has it."""
        return await self._feed(self._press_payload(who, label, message, locale))

    def press_nowait(self, who: str | Member, label: str | int, *, message: Message | None = None) -> str:
        """Press without waiting for the bot (many members at the same instant); returns the
        interaction token, whose response times are in `discord.interactions[token]`."""
        payload = self._press_payload(who, label, message, None)
        self.feed_nowait(payload)
        return str(payload["token"])

    def _press_payload(self, who: str | Member, label: str | int, message: Message | None,
                       locale: str | None) -> dict[str, Any]:
        member = self.member(who)
        msg, comp = self._find_component(member, label, 2, message)
        if comp.get("disabled"):
            raise SimulatorError(f"the button {label!r} is disabled")
        if "custom_id" not in comp:
            raise SimulatorError(f"the button {label!r} is a link: {comp.get('url')}")
        data = {"custom_id": comp["custom_id"], "component_type": 2}
        channel = self.discord.channels[msg.channel_id]
        return self._payload(member, channel, 3, data, message=msg, locale=locale)

    async def pick(self, who: str | Member, values: Iterable[str], *, select: str | int | None = None,
                   message: Message | None = None, locale: str | None = None) -> Step:
        """Choose values in a select menu (the newest one, or by custom id / placeholder / index)."""
        member = self.member(who)
        msg, comp = self._find_component(member, select, 3, message)
        values = list(values)
        allowed = {o["value"] for o in comp.get("options", [])}
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise SimulatorError(f"{unknown} are not options of this menu; it has {sorted(allowed)}")
        data = {"custom_id": comp["custom_id"], "component_type": 3, "values": values}
        channel = self.discord.channels[msg.channel_id]
        return await self._feed(self._payload(member, channel, 3, data, message=msg, locale=locale))

    async def submit(self, who: str | Member, values: dict[str, str], *, channel: str | Channel = "general",
                     locale: str | None = None) -> Step:
        """Submit the modal the bot last opened for the member; fields not in `values` keep their prefilled text."""
        member = self.member(who)
        modal = self.discord.open_modals.pop(member.id, None)
        if modal is None:
            raise SimulatorError(f"{member.name} has no open form")
        known = {c.get("custom_id") for c in _walk(modal.get("components", [])) if c.get("type") == 4}
        unknown = set(values) - known
        if unknown:
            self.discord.open_modals[member.id] = modal
            raise SimulatorError(f"the form has no fields {sorted(unknown)}; it has {sorted(known)}")
        rows = []
        for row in modal.get("components", []):
            if row.get("type") == 18:  # label wrapping one component
                inner = row["component"]
                value = values.get(inner["custom_id"], inner.get("value") or "")
                rows.append({"type": 18, "component": {"type": 4, "custom_id": inner["custom_id"], "value": value}})
            else:
                rows.append({"type": 1, "components": [
                    {"type": 4, "custom_id": c["custom_id"], "value": values.get(c["custom_id"], c.get("value") or "")}
                    for c in row.get("components", []) if c.get("type") == 4
                ]})
        data = {"custom_id": modal["custom_id"], "components": rows}
        where = self.channel(channel, member)
        return await self._feed(self._payload(member, where, 5, data, locale=locale))

    # ----- reading what happened --------------------------------------------------------------
    @property
    def actions(self) -> list[Action]:
        """Every action since the simulator was made."""
        return self.discord.actions

    def sent_to(self, where: str) -> list[Action]:
        """Messages, DMs and edits that went to `#channel` or `dm:NAME`."""
        return [a for a in self.discord.actions if a.to == where and a.kind in ("message", "dm", "edit")]


_LABEL_SEPARATORS = re.compile(r"\s*[·•|/]\s*")


def _reading(text: str) -> str:
    """A label as a person reads it: case folded, emoji and punctuation dropped, spaces folded."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _by_label_part(selector: str, comps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Components whose label has a part reading as `selector`; else whose label starts a word with it."""
    wanted = _reading(selector)
    if not wanted:
        return []
    labelled = [(c, c.get("label") or "") for c in comps]
    whole = [c for c, label in labelled
             if wanted == _reading(label) or any(wanted == _reading(p) for p in _LABEL_SEPARATORS.split(label))]
    if whole:
        return whole
    pattern = re.compile(rf"(?:^|\s){re.escape(wanted)}")
    return [c for c, label in labelled if pattern.search(_reading(label))]


def _walk(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for comp in rows:
        if "components" in comp:
            out.extend(_walk(comp["components"]))
        elif comp.get("type") == 18 and "component" in comp:
            out.append(comp["component"])
        else:
            out.append(comp)
    return out
