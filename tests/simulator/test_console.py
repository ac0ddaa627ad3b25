"""`multinations-bot console --json`, scripted from stdin as the README shows."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from bot.core.settings import Settings
from bot.simulator import Simulator
from bot.simulator.console import parse_duration, run_console

SCRIPT = """:join Amal en-US
/language
:pick ar
:restart
/privacy show
:quit
"""


async def run_script(script: str, tmp_path: Path) -> list[dict]:
    out = io.StringIO()
    code = await run_console(Settings(), json_mode=True, now="2026-12-01T18:00+01:00",
                             database=str(tmp_path / "console.db"), stdin=io.StringIO(script), out=out)
    assert code == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def test_language_choice_survives_restart_and_privacy_answers_in_arabic(tmp_path: Path) -> None:
    events = await run_script(SCRIPT, tmp_path)
    assert sum(1 for e in events if e["kind"] == "ready") == 1 + SCRIPT.count("\n")
    answers = [e for e in events if e["kind"] == "interaction_response"]
    last = answers[-1]
    assert last["visible_to"] == "Amal"
    assert "العربية" in last["content"]
    assert "This is what the bot stores" not in last["content"]


async def test_a_bad_line_prints_an_error_and_the_shell_goes_on(tmp_path: Path) -> None:
    events = await run_script(":join Amal\n:frobnicate\n/nosuchcommand\n:press Missing\n/language\n", tmp_path)
    errors = [e for e in events if e["kind"] == "error"]
    assert len(errors) == 3
    assert any("frobnicate" in e["message"] for e in errors)
    assert events[-2]["kind"] == "interaction_response"


def test_durations() -> None:
    assert parse_duration("90m").total_seconds() == 5400
    assert parse_duration("1h30m").total_seconds() == 5400
    assert parse_duration("2d").days == 2


def test_the_console_command_runs_from_a_script(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--json", "--db", str(tmp_path / "c.db")],
        input=SCRIPT, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path, check=False,
    )
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert "العربية" in [e for e in events if e["kind"] == "interaction_response"][-1]["content"]


async def test_faq_edit_opens_with_the_current_text_in_the_fields(tmp_path: Path) -> None:
    events = await run_script(":join Bertil\n:grant Bertil volunteer\n/faq edit entry:sfi reason:typo\n:quit\n",
                              tmp_path)
    [modal] = [e for e in events if e["kind"] == "modal"]
    values = {f["id"]: f.get("value", "") for f in modal["fields"]}
    assert "SFI" in values["question"] or "sfi" in values["question"].lower()
    assert len(values["answer"]) > 20  # the answer as it stands, ready to be corrected


async def test_a_request_discord_refuses_is_an_error_line(sim: Simulator) -> None:
    from bot.simulator.console import Console

    for json_mode in (True, False):
        out = io.StringIO()
        Console(sim, json_mode=json_mode, out=out)
        general = sim.discord.channel_named("general").id
        await sim.discord.handle("POST", f"https://discord.com/api/v10/channels/{general}/messages",
                                 {"data": json.dumps({"content": "x" * 2001})})
        line = out.getvalue().splitlines()[-1]
        if json_mode:
            error = json.loads(line)
            assert (error["kind"], error["status"], error["code"]) == ("error", 400, 50035)
            assert "content" in error["errors"]
        else:
            assert line.startswith("! Discord refused POST /channels/:id/messages: 400 50035")
    sim.discord.take_violations()  # refused on purpose (the description's maxLength too)
