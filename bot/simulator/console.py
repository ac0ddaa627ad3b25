"""`multinations-bot console`: the local guild simulator as a shell.

One input line at a time, so it can be scripted from stdin:

    :join NAME [LOCALE]        a member joins (and you act as them)    :as NAME    act as another member
    :grant NAME ROLE           give a role       :revoke NAME ROLE      take it away
    :in CHANNEL                type in a channel (`dm` for the DM with the bot)
    /command sub opt:value opt:"two words"     use a slash command
    :press LABEL|CUSTOM_ID|N   press a button on the newest message shown to you (a part of the label
                               as you read it is enough: `:press Start` for "Starta · Start · ...")
    :pick VALUE[,VALUE]        choose in its select menu
    :form FIELD_ID=VALUE ...   submit the open form
    :wait DURATION             advance the simulated clock (90m, 2d, 1h30m), running what falls due
    :screening NAME            the member passes Rules Screening      :leave NAME   the member leaves
    :restart                   stop the bot and start it again on the same database
    :help  :quit

With --json every action of the bot is one JSON object per line; `{"kind": "ready"}` is printed once
the bot has started (after the welcome post) and again after each input line once it is fully
handled. A `:press` by a part of a label or a number prints `{"kind": "matched", ...}` with the button
it pressed.
"""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.core.settings import Settings
from bot.simulator.discord_side import Action, Refusal
from bot.simulator.harness import Simulator, SimulatorError, simulator_settings

_DURATION_RE = re.compile(r"(\d+)\s*([smhdw])")
#: A comment after an input line: two spaces or more, then `# ` (so `:in #general` stays an input).
_COMMENT = re.compile(r"\s{2,}# .*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """`90m`, `2d`, `1h30m`, `45s` -> timedelta."""
    text = text.strip().lower()
    parts = _DURATION_RE.findall(text)
    if not parts or _DURATION_RE.sub("", text).strip():
        raise SimulatorError(f"cannot read the duration {text!r}; write e.g. 90m, 2d or 1h30m")
    total = timedelta()
    for amount, unit in parts:
        total += timedelta(**{_UNITS[unit]: int(amount)})
    return total


class Console:
    """Reads commands, drives the simulator, prints what the bot does."""

    def __init__(self, sim: Simulator, *, json_mode: bool, out: TextIO = sys.stdout) -> None:
        self.sim = sim
        self.json_mode = json_mode
        self.out = out
        self.current: str | None = None
        self.channel = "general"
        sim.discord.listeners.append(self._show)
        sim.discord.refusal_listeners.append(self._refused)

    def _emit(self, obj: dict[str, Any]) -> None:
        self.out.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self.out.flush()

    def _show(self, action: Action) -> None:
        if self.json_mode:
            self._emit(action.as_json())
            return
        who = "" if action.visible_to == "everyone" else f" (only {action.visible_to})"
        stamp = action.at.astimezone(self.sim.settings.zone).strftime("%Y-%m-%d %H:%M")
        head = f"[{stamp}] {action.kind} {action.to}{who}".rstrip()
        lines = [head]
        if action.member:
            lines.append(f"  {action.member}: {action.role or ''}".rstrip())
        if action.text:
            lines += ["  " + line for line in action.text.splitlines()]
        for comp in action.components:
            if comp["kind"] == "button":
                lines.append(f"  [{comp.get('label', '')}]  ({comp.get('custom_id', comp.get('url', ''))})")
            elif comp["kind"] == "select":
                values = ", ".join(f"{o['label']}={o['value']}" for o in comp.get("options", []))
                lines.append(f"  <select {comp.get('custom_id')}> {values}")
        for f in action.fields:
            lines.append(f"  field {f['id']}: {f['label']}{' (required)' if f.get('required') else ''}")
            if f.get("value"):
                lines += ["    | " + line for line in str(f["value"]).splitlines()]
        for f in action.files:
            lines.append(f"  file {f['filename']}:")
            lines += ["    " + line for line in f["content"].splitlines()[:40]]
        if "choices" in action.extra:
            lines += [f"  - {c['name']} = {c['value']}" for c in action.extra["choices"]]
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()

    def _refused(self, refusal: Refusal) -> None:
        """A request Discord would refuse: an error line, so whoever tries a flow sees it."""
        if self.json_mode:
            self._emit({**refusal.as_json(), "kind": "error", "source": "discord", "message": refusal.line})
        else:
            self.out.write(f"! {refusal.line}\n")
            self.out.flush()

    def _who(self) -> str:
        if self.current is None:
            raise SimulatorError("nobody to act as yet: start with :join NAME")
        return self.current

    def error(self, message: str) -> None:
        """Report a bad input line; the shell goes on."""
        if self.json_mode:
            self._emit({"kind": "error", "message": message})
        else:
            self.out.write(f"! {message}\n")
            self.out.flush()

    def matched(self, selector: str | int, button: dict[str, Any]) -> None:
        """Say which button a loose `:press` selector (a part of a label, a number) stood for."""
        label = button.get("label") or button.get("custom_id")
        if self.json_mode:
            self._emit({"kind": "matched", "selector": selector, "label": label, "custom_id": button.get("custom_id")})
        else:
            self.out.write(f"(pressing [{label}])\n")
            self.out.flush()

    async def handle(self, line: str) -> bool:
        """Handle one input line. Returns False on :quit."""
        line = _COMMENT.sub("", line).strip()
        if not line or line.startswith("#"):
            return True
        try:
            return await self._dispatch(line)
        except (SimulatorError, ValueError, KeyError) as exc:
            self.error(str(exc).strip("'\""))
        return True

    async def _dispatch(self, line: str) -> bool:
        sim = self.sim
        if line.startswith("/"):
            await sim.slash(self._who(), line, channel=self.channel)
            return True
        words = shlex.split(line)
        verb, rest = words[0].lower(), words[1:]
        if verb == ":quit":
            return False
        if verb == ":help":
            self.out.write((__doc__ or "").split("\n\n")[1] + "\n")
        elif verb == ":join":
            if not rest:
                raise SimulatorError("usage: :join NAME [LOCALE]")
            await sim.join(rest[0], rest[1] if len(rest) > 1 else "en-US")
            self.current = rest[0]
        elif verb == ":as":
            self.current = sim.member(rest[0]).name if rest else self._who()
        elif verb in (":grant", ":revoke"):
            if len(rest) != 2:
                raise SimulatorError(f"usage: {verb} NAME ROLE")
            await (sim.grant if verb == ":grant" else sim.revoke)(rest[0], rest[1])
        elif verb == ":in":
            if not rest:
                raise SimulatorError("usage: :in CHANNEL")
            target = rest[0].lstrip("#")
            if target != "dm":
                sim.discord.channel_named(target)
            self.channel = target
        elif verb == ":press":
            if not rest:
                raise SimulatorError("usage: :press LABEL|CUSTOM_ID|N")
            selector: str | int = " ".join(rest)
            if isinstance(selector, str) and selector.isdigit() and len(selector) < 3:
                selector = int(selector)
            message, button = sim.find_button(self._who(), selector)
            if selector not in (button.get("label"), button.get("custom_id")):
                self.matched(selector, button)
            await sim.press(self._who(), button["custom_id"], message=message)
        elif verb == ":pick":
            values = [v for v in " ".join(rest).split(",") if v]
            if not values:
                raise SimulatorError("usage: :pick VALUE[,VALUE]")
            await sim.pick(self._who(), values)
        elif verb == ":form":
            fields: dict[str, str] = {}
            for item in rest:
                key, sep, value = item.partition("=")
                if not sep:
                    raise SimulatorError("usage: :form FIELD_ID=VALUE ...")
                fields[key] = value
            await sim.submit(self._who(), fields, channel=self.channel)
        elif verb == ":wait":
            await sim.advance(parse_duration(" ".join(rest)))
        elif verb == ":screening":
            await sim.complete_screening(rest[0] if rest else self._who())
        elif verb == ":leave":
            await sim.leave(rest[0] if rest else self._who())
        elif verb == ":restart":
            await sim.restart()
        else:
            raise SimulatorError(f"unknown command {verb}; type :help")
        return True


async def run_console(settings: Settings, *, json_mode: bool, now: str | None, database: str | None,
                      stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """Run the shell until :quit or end of input."""
    start = datetime.now(UTC).replace(microsecond=0)
    if now:
        try:
            start = datetime.fromisoformat(now)
        except ValueError:
            print(f"--now: cannot read {now!r}; write e.g. 2026-12-01T18:00+01:00", file=sys.stderr)
            return 2
        if start.tzinfo is None:
            start = start.replace(tzinfo=settings.zone)
    workdir = None
    if database:
        path = Path(database)
    else:
        workdir = tempfile.TemporaryDirectory(prefix="multinations-console-")
        path = Path(workdir.name) / "console.sqlite3"
    sim = Simulator(path, start=start)
    sim.settings = simulator_settings(sim.discord, path, timezone=settings.timezone,
                                      default_language=settings.default_language)
    console = Console(sim, json_mode=json_mode, out=out)
    loop = asyncio.get_running_loop()
    try:
        await sim.start()
        if not json_mode:
            out.write(f"Local guild simulator on {path}. Type :help for commands, :quit to leave.\n")
        else:
            console._emit({"kind": "ready"})
        while True:
            if stdin.isatty() and not json_mode:
                out.write("> ")
                out.flush()
            line = await loop.run_in_executor(None, stdin.readline)
            if not line:
                break
            keep_going = await console.handle(line)
            if json_mode:
                console._emit({"kind": "ready"})
            if not keep_going:
                break
    finally:
        await sim.close()
        if workdir is not None:
            workdir.cleanup()
    return 0
