"""The README's console examples work as written: the session block and the scripted one-liner."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from bot.core.settings import Settings
from bot.simulator.console import run_console

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 3)
    return text[start:end if end != -1 else None]


def console_session() -> str:
    """The ```text block of console input lines in the README's simulator section."""
    section = readme_section("Trying it: the local guild simulator")
    [block] = re.findall(r"```text\n(.*?)```", section, flags=re.S)
    return block


def scripted_example() -> str:
    section = readme_section("Trying it: the local guild simulator")
    [line] = [line for line in section.splitlines() if line.startswith("printf ")]
    return line


def json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


async def test_the_readme_console_session_runs_without_a_refused_line(tmp_path: Path) -> None:
    session = console_session()
    inputs = [line for line in session.splitlines() if line.strip()]
    out = io.StringIO()
    code = await run_console(Settings(), json_mode=True, now="2026-12-01T13:00+01:00",
                             database=str(tmp_path / "console.sqlite3"), stdin=io.StringIO(session), out=out)
    assert code == 0
    events = json_lines(out.getvalue())
    assert [e for e in events if e["kind"] == "error"] == []
    # One ready marker at start-up, then one per input line (`:quit` included).
    assert sum(e["kind"] == "ready" for e in events) == len(inputs) + 1
    # `:press Start` pressed the multilingual Start button and said so.
    [start] = [e for e in events if e["kind"] == "matched" and e["selector"] == "Start"]
    assert start["label"].startswith("Starta · Start")
    texts = "\n".join(e.get("content") or "" for e in events)
    assert "العربية" in texts  # Amal's choice of Arabic shows in /privacy show
    assert "Language café" in texts
    assert "without your name" in texts  # the question form was submitted


def test_the_readme_scripted_example_prints_what_it_promises(tmp_path: Path) -> None:
    command = scripted_example()
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               DATABASE_PATH=str(tmp_path / "unused.sqlite3"))
    env.pop("DISCORD_TOKEN", None)
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120, env=env,
                          cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    events = json_lines(done.stdout)
    inputs = command.split("'")[1].split("\\n")
    assert [e for e in events if e["kind"] == "error"] == []
    assert events[0]["kind"] == "message" and events[0]["to"] == "#start-here"  # the welcome post first
    assert sum(e["kind"] == "ready" for e in events) == len([i for i in inputs if i]) + 1
    # After the restart, /privacy show answers in the Arabic chosen before it.
    last_answer = [e for e in events if e["kind"] == "interaction_response"][-1]
    assert "العربية" in last_answer["content"]
