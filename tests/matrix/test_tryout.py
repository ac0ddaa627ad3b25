"""`multinations-bot matrix-tryout`: a child process until its ready line, then a member logs in."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.matrix.homeserver import READY_LINE, MatrixRequestError
from tests.matrix.conftest import MemberClient, login

ROOT = Path(__file__).resolve().parents[2]


async def _read_until_ready(process: asyncio.subprocess.Process, timeout: float = 120.0) -> list[str]:
    lines: list[str] = []
    assert process.stdout is not None
    async with asyncio.timeout(timeout):
        while True:
            raw = await process.stdout.readline()
            if not raw:
                raise AssertionError("matrix-tryout ended before it was ready:\n" + "".join(lines))
            line = raw.decode("utf-8")
            lines.append(line)
            if line.startswith(READY_LINE):
                return lines


async def test_the_tryout_prints_working_logins_and_stops_everything_on_ctrl_c(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "matrix-tryout", "--dir", str(tmp_path / "tryout"), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        printed = "".join(await _read_until_ready(process))
        url = re.search(r"Homeserver URL:\s+(\S+)", printed).group(1)
        assert url.startswith("http://127.0.0.1:")
        logins = dict(re.findall(r"user (@\S+)\s+password (\S+)", printed))
        assert set(logins) == {"@amina:localhost", "@tesfay:localhost"}
        async with aiohttp.ClientSession() as session:
            newcomer = MemberClient(url, await login(session, url, "amina", logins["@amina:localhost"]), session)
            staff = MemberClient(url, await login(session, url, "@tesfay:localhost", logins["@tesfay:localhost"]),
                                 session)
            space = await newcomer.next_invite(timeout=10)  # invited to the space, as printed
            await newcomer.join(space)
            await staff.sync()
            names = {}
            for room in await staff.joined_rooms():
                if room != space:
                    names[(await staff.state(room, "m.room.name"))["name"]] = room
            assert set(names) == {"volunteers", "organizers", "coordinators", "translators"}
            async with session.get(f"{url}/_matrix/client/v3/directory/room/%23welcome:localhost") as answer:
                assert answer.status == 200
                welcome = (await answer.json())["room_id"]
            # The bot runs: a command typed in a room is answered in the member's direct room.
            await staff.join(welcome)
            await staff.send(welcome, "!help")
            direct = await staff.next_invite(timeout=30)
            await staff.join(direct)
            bot = "@multinations-bot:localhost"
            await staff.next_message(direct, sender=bot, timeout=30)  # the direct room's first words
            await staff.next_message(direct, sender=bot, timeout=30)  # the answer to !help
            with pytest.raises(MatrixRequestError) as no_encryption:  # a room the bot can read
                await staff.state(direct, "m.room.encryption")
            assert no_encryption.value.status == 404
        process.send_signal(signal.SIGINT)
        rest = (await asyncio.wait_for(process.stdout.read(), 60)).decode("utf-8")
        assert await asyncio.wait_for(process.wait(), 30) == 0
        assert "stopped" in rest
        async with aiohttp.ClientSession() as session:
            try:
                async with session.get(f"{url}/_matrix/client/versions") as answer:
                    raise AssertionError(f"the homeserver still answers after Ctrl-C ({answer.status})")
            except aiohttp.ClientConnectionError:
                pass
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def test_the_tryout_without_synapse_says_how_to_install_it(monkeypatch, capsys) -> None:
    from bot import cli
    from bot.matrix import homeserver

    monkeypatch.setattr(homeserver, "synapse_installed", lambda: False)
    assert cli.main(["matrix-tryout"]) == 1
    printed = capsys.readouterr()
    assert 'pip install -e ".[test]"' in printed.err
    assert "Traceback" not in printed.err
