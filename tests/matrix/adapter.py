"""Running the Matrix adapter in a test: the real bot (services, database, MatrixBot) against the
session's Synapse, stopped and started again on the same database like a real restart.

A small "desk" feature is declared for the adapter tests (commands, a choice, a form), since the
adapter's parsing, prompts and permission path are what is under test here; the features' own
commands are tested through the same path where they are declared.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.core.access import Capability
from bot.core.clock import FixedClock
from bot.core.collector import Collector
from bot.core.commands import Call, Kind, Param
from bot.core.conversation import (
    Action,
    Button,
    Choice,
    Exchange,
    Form,
    FormField,
    Message,
    Option,
    Parts,
    Style,
)
from bot.core.flows import Answer
from bot.core.services import Services, build_services
from bot.core.settings import Settings
from bot.matrix.client import MatrixBot, MatrixConfig
from bot.matrix.features import install_features
from bot.matrix.http import Pacer
from tests.conftest import START
from tests.matrix.conftest import MatrixCommunity


@dataclass
class Desk:
    """What the desk feature's handlers saw (to assert on what reached the flow)."""

    picked: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    forms: list[dict[str, str]] = field(default_factory=list)
    pressed: list[str] = field(default_factory=list)


def declare_desk(services: Services, desk: Desk) -> None:
    """Commands and routes of the test feature."""

    async def echo(turn: Exchange, call: Call) -> None:
        parts = Parts()
        await turn.answer(Message(parts.text(f"echo: {parts.said(call['text'])}")))

    async def plan(turn: Exchange, call: Call) -> None:
        await turn.answer(Message.of(f"planned {call['title']} for {call.get('seats', 0)} seats"))

    async def fruit(turn: Exchange, call: Call) -> None:
        most = 3 if call.get("many", False) else 1
        await turn.answer(Message.of("Which fruit?", Choice(Action("desk", "fruit"), (
            Option("apple", "Apple"), Option("pear", "Pear"), Option("plum", "Plum")), most=most)))

    async def confirm(turn: Exchange, call: Call) -> None:
        await turn.answer(Message.of("Sure?", Button(Action("desk", "yes", ("7",)), "Yes", Style.SUCCESS),
                                     Button(Action("desk", "no", ("7",)), "No")))

    async def survey(turn: Exchange, call: Call) -> None:
        await turn.ask(Form(Action("desk", "survey"), "Tell us", (
            FormField("name", "Your name"), FormField("note", "A note", required=False, long=True),
            FormField("city", "Your town", max_length=20))))

    async def on_fruit(turn: Exchange, action: Action, answer: Answer) -> None:
        desk.picked.append((turn.user.id, answer.values))
        await turn.replace(Message.of("You picked " + ", ".join(answer.values)))

    async def on_yes(turn: Exchange, action: Action, answer: Answer) -> None:
        desk.pressed.append(f"yes:{action.args[0]}")
        await turn.replace(Message.of("Confirmed."))

    async def on_no(turn: Exchange, action: Action, answer: Answer) -> None:
        desk.pressed.append(f"no:{action.args[0]}")
        await turn.replace(Message.of("Not confirmed."))

    async def on_survey(turn: Exchange, action: Action, answer: Answer) -> None:
        desk.forms.append(dict(answer.fields))
        await turn.answer(Message.of(f"Thanks, {answer.fields['name']}."))

    commands = services.commands
    commands.declare("desk", ("echo",), "Repeat a text", echo, params=(Param("text"),))
    commands.declare("desk", ("desk", "plan"), "Plan a desk shift (organizers)", plan,
                     params=(Param("title"), Param("seats", Kind.INTEGER, required=False, min_value=1)),
                     needs=(Capability.ORGANIZER,))
    commands.declare("desk", ("desk", "fruit"), "Pick a fruit", fruit,
                     params=(Param("many", Kind.BOOLEAN, required=False),))
    commands.declare("desk", ("desk", "confirm"), "Confirm something", confirm)
    commands.declare("desk", ("desk", "survey"), "Answer a short survey", survey)
    services.routes.add("desk", "fruit", on_fruit)
    services.routes.add("desk", "yes", on_yes)
    services.routes.add("desk", "no", on_no)
    services.routes.add("desk", "survey", on_survey, asks_form=True)


@dataclass
class Running:
    """A started bot."""

    services: Services
    bot: MatrixBot
    task: asyncio.Task[None]


class BotRunner:
    """Starts the bot on one database file; `restart()` stops it and starts a new process-like instance."""

    def __init__(self, community: MatrixCommunity, database: Path, *, session: Any = None,
                 pacer: Pacer | None = None, desk: Desk | None = None, language: str = "en",
                 backoff: float = 0.05, features: bool = False) -> None:
        """`features`: install the four features and the core commands as `run_matrix` does."""
        self.community = community
        self.database = database
        self.session = session
        self.pacer = pacer
        self.desk = desk if desk is not None else Desk()
        self.language = language
        self.backoff = backoff
        self.features = features
        #: The project's clock, kept across restarts (time moves only when a test moves it).
        self.clock = FixedClock(START)
        self.running: Running | None = None

    def config(self) -> MatrixConfig:
        c = self.community
        return MatrixConfig(homeserver=c.url, user_id=c.bot.user_id, access_token=c.bot.access_token,
                            space=c.community.space_id)

    async def start(self) -> Running:
        settings = Settings(database_path=self.database, default_language=self.language, platform="matrix")
        services = await build_services(settings, clock=self.clock, database_path=self.database,
                                        collector=Collector(freeze_at_ready=False))  # many bots, one process
        declare_desk(services, self.desk)
        bot = MatrixBot(services, self.config(), session=self.session, pacer=self.pacer, sync_timeout_ms=5000,
                        backoff=self.backoff)
        if self.features:
            await bot.login()
            await install_features(services, bot)
            await services.jobs.reconcile()
        task = asyncio.create_task(bot.run(), name="test:matrix-bot")
        ready = asyncio.create_task(bot.ready.wait())
        done, _ = await asyncio.wait({task, ready}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            ready.cancel()
            task.result()
        assert ready in done, "the bot did not finish its first sync within 60 s"
        self.running = Running(services, bot, task)
        return self.running

    async def stop(self) -> None:
        running, self.running = self.running, None
        if running is None:
            return
        running.bot.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(running.task, 30)
        await running.bot.close()
        await running.services.close()

    async def advance(self, by: timedelta) -> None:
        """Move the project's clock by `by`, stopping at each job's due time to run what is due then (what
        the waker does in production: a job runs at its time, not when the clock has jumped past it)."""
        target = self.clock.now() + by
        jobs = self.services.jobs
        while (due := await jobs.next_due()) is not None and due <= target:
            self.clock.set(max(due, self.clock.now()))
            report = await jobs.run_due()
            if not report.keys and due <= self.clock.now() and await jobs.next_due() == due:
                break  # held back (e.g. waiting for a retry): go on to the target
        self.clock.set(target)
        await jobs.run_due()

    async def restart(self) -> Running:
        await self.stop()
        return await self.start()

    @property
    def bot(self) -> MatrixBot:
        assert self.running is not None
        return self.running.bot

    @property
    def services(self) -> Services:
        assert self.running is not None
        return self.running.services


@contextlib.asynccontextmanager
async def running_bot(community: MatrixCommunity, database: Path, **kwargs: Any) -> AsyncIterator[BotRunner]:
    """A started bot, stopped at the end."""
    runner = BotRunner(community, database, **kwargs)
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()


async def direct_room_of(member: Any, bot_user: str, timeout: float = 15.0) -> str:
    """The room the bot invited the member to (its direct room), joined."""
    room_id = await member.next_invite(timeout=timeout)
    await member.join(room_id)
    return room_id


# ----- faults at the HTTP session ------------------------------------------------------------------
@dataclass
class Fault:
    """Requests matching `method` and `path` (a regex searched in the URL path) fail `times` times.

    `status`: an HTTP status answered instead of the homeserver's (with `body` as JSON); 0 for a timeout
    before the request reached the homeserver; -1 for a timeout after it did (the answer is lost)."""

    method: str
    path: str
    status: int
    times: int = 1
    body: dict[str, Any] = field(default_factory=dict)
    hits: int = 0


class _Answer:
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self._body = body
        self.headers: dict[str, str] = {}

    async def json(self, **_kwargs: Any) -> Any:
        return self._body

    async def text(self) -> str:
        import json

        return json.dumps(self._body)


class _Injected:
    def __init__(self, session: Any, fault: Fault | None, method: str, url: Any, kwargs: dict[str, Any]) -> None:
        self._session, self._fault, self._method, self._url, self._kwargs = session, fault, method, url, kwargs
        self._real: Any = None

    async def __aenter__(self) -> Any:
        fault = self._fault
        if fault is not None and fault.status == 0:
            raise TimeoutError
        if fault is not None and fault.status == -1:
            async with self._session.request(self._method, self._url, **self._kwargs) as answer:
                await answer.read()
            raise TimeoutError
        if fault is not None:
            return _Answer(fault.status, fault.body)
        self._real = self._session.request(self._method, self._url, **self._kwargs)
        return await self._real.__aenter__()

    async def __aexit__(self, *exc: Any) -> None:
        if self._real is not None:
            await self._real.__aexit__(*exc)


class FaultySession:
    """An aiohttp session whose requests can be made to fail (`inject`), else passed through."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.faults: list[Fault] = []

    def inject(self, method: str, path: str, status: int, *, times: int = 1,
               body: dict[str, Any] | None = None) -> Fault:
        fault = Fault(method, path, status, times, body or {"errcode": "M_UNKNOWN", "error": "injected"})
        self.faults.append(fault)
        return fault

    def request(self, method: str, url: Any, **kwargs: Any) -> _Injected:
        import re

        path = str(getattr(url, "path", url))
        chosen = None
        for fault in self.faults:
            if fault.hits < fault.times and fault.method == method and re.search(fault.path, path):
                fault.hits += 1
                chosen = fault
                break
        return _Injected(self.session, chosen, method, url, kwargs)

    async def close(self) -> None:
        await self.session.close()
