"""Commands on a real Matrix homeserver: N members each type a command within one second.

A throwaway Synapse on 127.0.0.1 (bot/matrix/homeserver.py), the community's space and rooms, the
bot on the Matrix adapter (`run_matrix`, as `multinations-bot run --platform matrix` runs it), and N
members as real Matrix clients (plain HTTP, each long-polling its own /sync). Every member is in the
space and in #start-here before the clock starts. Two rounds, member i typing at i/N seconds:

- first contact: the command in #start-here; the bot answers in the member's direct room, which it
  creates then (a room creation and an invite per member: the homeserver's most expensive step);
- again: the command in each member's direct room.

For each member: the time from its send to the first message of the bot it sees (in any room), to
the final answer (the first bot message matching `--final`, by default any), and to the invite.

Two homeservers, one after the other:
- Synapse's default rate limits, as a real server keeps them. The members are limited; the bot is
  exempted through the admin API, as the README tells a server admin to do (`--bot-limited` keeps
  the bot limited too, to see its pacing);
- lifted limits (every `rc_*` far beyond the load).

Targets, printed beside each figure (100 members, `--small` 10): again, first-answer p99 <= 2 s and
final-answer p99 <= 4 s; first contact, 5 s and 10 s. The exit status is 1 only when a member got
no answer (latency on a shared machine is reported, not enforced). Members, bot and measurement
share one process and the two cores with Synapse, so the figures include the members' client work.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.matrix.homeserver import Account, Homeserver, HomeserverAdmin, HomeserverMissing, matrix_bot_runner

TARGETS = {"first": 2.0, "final": 4.0}  # seconds, p99
#: The first command of a member who has no direct room with the bot yet.
TARGETS_FIRST_CONTACT = {"first": 5.0, "final": 10.0}
SYNC_FILTER = ('{"room":{"timeline":{"limit":50},"state":{"lazy_load_members":true}},'
               '"presence":{"types":[]},"account_data":{"types":[]}}')


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank), in seconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class Member:
    """One member's client: sends its command once, follows /sync, notes when the bot answers."""

    account: Account
    url: str
    session: aiohttp.ClientSession
    bot: str
    final: re.Pattern[str]
    since: str = ""
    sent_at: float | None = None
    first: float | None = None
    done: float | None = None
    invited: float | None = None
    direct: str | None = None
    joined: set[str] = field(default_factory=set)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.account.access_token}"}

    async def sync(self, timeout_ms: int) -> dict[str, Any]:
        params = {"timeout": str(timeout_ms), "filter": SYNC_FILTER}
        if self.since:
            params["since"] = self.since
        async with self.session.get(f"{self.url}/_matrix/client/v3/sync", params=params,
                                    headers=self.headers) as answer:
            answer.raise_for_status()
            data = await answer.json()
        self.since = data["next_batch"]
        return data

    async def send(self, room_id: str, text: str) -> None:
        self.sent_at = time.perf_counter()
        while True:
            async with self.session.put(
                f"{self.url}/_matrix/client/v3/rooms/{room_id}/send/m.room.message/{time.time_ns()}",
                json={"msgtype": "m.text", "body": text}, headers=self.headers,
            ) as answer:
                if answer.status == 429:  # a member's client waits as the server says, as Element does
                    await asyncio.sleep((await answer.json()).get("retry_after_ms", 1000) / 1000)
                    continue
                answer.raise_for_status()
                return

    async def follow(self, deadline: float) -> None:
        """Follow /sync until the final answer arrived or `deadline` (perf_counter) passed."""
        while self.done is None and time.perf_counter() < deadline:
            data = await self.sync(5000)
            now = time.perf_counter()
            rooms = data.get("rooms", {})
            for room_id in rooms.get("invite", {}):  # the bot's direct room
                if room_id not in self.joined:
                    self.joined.add(room_id)
                    if self.sent_at is not None and self.invited is None:
                        self.invited = now - self.sent_at
                    self.direct = self.direct or room_id
                    async with self.session.post(f"{self.url}/_matrix/client/v3/join/{room_id}", json={},
                                                 headers=self.headers) as answer:
                        answer.raise_for_status()
            for joined in rooms.get("join", {}).values():
                for event in joined.get("timeline", {}).get("events", []):
                    if event.get("sender") != self.bot or event.get("type") != "m.room.message":
                        continue
                    if self.sent_at is None:
                        continue
                    if self.first is None:
                        self.first = now - self.sent_at
                    if self.done is None and self.final.search(event.get("content", {}).get("body", "")):
                        self.done = now - self.sent_at


async def run(limits: str, members: int, command: str, final: str, *, bot_limited: bool, timeout: float) -> bool:
    runner = matrix_bot_runner()
    if runner is None:
        print("the Matrix adapter has no entry point in this build: nothing to measure", file=sys.stderr)
        return False
    with tempfile.TemporaryDirectory(prefix="matrix-bench-") as tmp:
        began = time.perf_counter()
        server = Homeserver.start(Path(tmp) / "synapse", limits=limits)  # type: ignore[arg-type]
        started = time.perf_counter() - began
        try:
            return await _measure(server, limits, members, command, final, runner,
                                  bot_limited=bot_limited, timeout=timeout, started=started, tmp=Path(tmp))
        finally:
            server.stop()


async def _measure(server: Homeserver, limits: str, count: int, command: str, final: str, runner: Any, *,
                   bot_limited: bool, timeout: float, started: float, tmp: Path) -> bool:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        admin = HomeserverAdmin(server.url, server.shared_secret, session=session)
        bot = await admin.register("multinations-bot", displayname="Multinations bot")
        if not bot_limited:
            await admin.exempt_from_rate_limits(bot.user_id)
        community = await admin.create_community(bot, alias_prefix="")
        start_here = community.room("start")
        accounts = await asyncio.gather(*(admin.register(f"member{i:03d}") for i in range(count)))
        for account in accounts:  # the admin join has no join rate limit: setup, not measured
            await admin.force_join(account.user_id, community.space_id)
            await admin.force_join(account.user_id, start_here)
        pattern = re.compile(final)
        crowd = [Member(a, server.url, session, bot.user_id, pattern) for a in accounts]
        await asyncio.gather(*(m.sync(0) for m in crowd))

        settings = {"MATRIX_HOMESERVER": server.url, "MATRIX_USER_ID": bot.user_id,
                    "MATRIX_ACCESS_TOKEN": bot.access_token, "MATRIX_DEVICE_ID": bot.device_id,
                    "MATRIX_SPACE": "#community:localhost", "DATABASE_PATH": str(tmp / "bot.sqlite3")}
        stopping, ready = asyncio.Event(), asyncio.Event()
        bot_task = asyncio.create_task(runner(settings, stopping, ready))
        try:
            readiness = asyncio.create_task(ready.wait())
            await asyncio.wait({readiness, bot_task}, return_when=asyncio.FIRST_COMPLETED)
            if bot_task.done():
                readiness.cancel()
                bot_task.result()  # the bot's error, as it is
                raise SystemExit("the bot stopped before the measurement")
            await _warm_up(admin, community.space_id, start_here, bot.user_id, command, pattern, session, server.url)
            rounds = [
                ("first contact, typed in #start-here (the bot opens each member's direct room)",
                 await _round(crowd, lambda m: start_here, command, timeout), TARGETS_FIRST_CONTACT),
                ("again, typed in each member's direct room",
                 await _round(crowd, lambda m: m.direct or start_here, command, timeout), TARGETS),
            ]
        finally:
            stopping.set()
            await asyncio.wait({bot_task}, timeout=30)
    label = f"{limits} limits"
    if limits == "default":
        label += " (bot limited too)" if bot_limited else " (bot exempted)"
    print(f"{label}: {count} members typed {command!r} within 1 s (Synapse started in {started:.1f} s)")
    everyone = True
    for title, (firsts, finals, invites), targets in rounds:
        first_p99, final_p99 = percentile(firsts, 99), percentile(finals, 99)
        met = first_p99 <= targets["first"] and final_p99 <= targets["final"]
        everyone = everyone and len(finals) == count
        print(f"  {title}:")
        print(f"    first answer  p50 {percentile(firsts, 50) * 1000:7.0f} ms   p99 {first_p99 * 1000:7.0f} ms"
              f"   target p99 <= {targets['first'] * 1000:.0f} ms")
        print(f"    final answer  p50 {percentile(finals, 50) * 1000:7.0f} ms   p99 {final_p99 * 1000:7.0f} ms"
              f"   target p99 <= {targets['final'] * 1000:.0f} ms")
        if invites:
            print(f"    invited to the direct room  p50 {percentile(invites, 50) * 1000:7.0f} ms   "
                  f"p99 {percentile(invites, 99) * 1000:7.0f} ms")
        print(f"    answered {len(finals)}/{count}   {'targets met' if met else 'targets MISSED'}")
    return everyone


async def _round(crowd: list[Member], room_of: Callable[[Member], str], command: str,
                 timeout: float) -> tuple[list[float], list[float], list[float]]:
    """Every member types `command` in `room_of(member)`, spread over one second; the delays seen."""
    for member in crowd:
        member.sent_at = member.first = member.done = member.invited = None
    deadline = time.perf_counter() + timeout
    followers = [asyncio.create_task(m.follow(deadline)) for m in crowd]
    t0 = time.perf_counter()

    async def send_at(i: int, member: Member) -> None:
        await asyncio.sleep(max(0.0, t0 + i / len(crowd) - time.perf_counter()))  # the load's schedule
        await member.send(room_of(member), command)

    await asyncio.gather(*(send_at(i, m) for i, m in enumerate(crowd)))
    await asyncio.gather(*followers)
    return ([m.first for m in crowd if m.first is not None], [m.done for m in crowd if m.done is not None],
            [m.invited for m in crowd if m.invited is not None])


async def _warm_up(admin: HomeserverAdmin, space: str, room: str, bot: str, command: str, final: re.Pattern[str],
                   session: aiohttp.ClientSession, url: str) -> None:
    """One member's command answered before the clock starts: the bot is up and following the rooms."""
    account = await admin.register("warm-up")
    await admin.force_join(account.user_id, space)
    await admin.force_join(account.user_id, room)
    member = Member(account, url, session, bot, final)
    await member.sync(0)
    await member.send(room, command)
    await member.follow(time.perf_counter() + 120)
    if member.done is None:
        raise SystemExit("the bot did not answer the warm-up command within 120 s; nothing measured")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--small", action="store_true", help="10 members (CI)")
    parser.add_argument("--command", default="!help", help="what every member types")
    parser.add_argument("--final", default=".", help="a regular expression the final answer's text matches")
    parser.add_argument("--limits", choices=["default", "lifted", "both"], default="both")
    parser.add_argument("--bot-limited", action="store_true", help="do not exempt the bot from the default limits")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for every answer")
    args = parser.parse_args()
    members = 10 if args.small else args.members
    ok = True
    try:
        for limits in (["default", "lifted"] if args.limits == "both" else [args.limits]):
            ok = asyncio.run(run(limits, members, args.command, args.final,
                                 bot_limited=args.bot_limited, timeout=args.timeout)) and ok
    except HomeserverMissing as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
