"""The throwaway homeserver itself: loopback only, the community's shape, rate limits, real time."""

from __future__ import annotations

import socket
from pathlib import Path

import aiohttp
import pytest
import yaml

from bot.core.places import PLACES
from bot.matrix import homeserver as hs
from bot.matrix.homeserver import Homeserver, HomeserverFailed, HomeserverMissing, MatrixRequestError
from tests.matrix.conftest import MatrixCommunity, login


def test_the_configuration_reaches_nothing_outside(synapse: Homeserver) -> None:
    config = yaml.safe_load((synapse.directory / "homeserver.yaml").read_text(encoding="utf-8"))
    assert config["server_name"] == "localhost"
    [listener] = config["listeners"]
    assert listener["bind_addresses"] == ["127.0.0.1"]
    assert [names for r in listener["resources"] for names in r["names"]] == ["client"]
    assert config["database"]["name"] == "sqlite3"
    assert config["trusted_key_servers"] == []
    assert config["federation_domain_whitelist"] == []
    assert config["report_stats"] is False
    assert config["enable_registration"] is False
    assert config["presence"] == {"enabled": False}
    assert config["url_preview_enabled"] is False


async def test_federation_and_key_endpoints_are_not_served(synapse: Homeserver) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{synapse.url}/_matrix/client/versions") as answer:
            assert answer.status == 200
        for path in ("/_matrix/federation/v1/version", "/_matrix/key/v2/server"):
            async with session.get(synapse.url + path) as answer:
                assert answer.status == 404, path


async def test_open_registration_is_refused(synapse: Homeserver) -> None:
    async with aiohttp.ClientSession() as session:
        body = {"username": "intruder", "password": "long-enough-password", "auth": {"type": "m.login.dummy"}}
        async with session.post(f"{synapse.url}/_matrix/client/v3/register", json=body) as answer:
            assert answer.status == 403


def test_synapse_keeps_real_time_under_libfaketime(synapse: Homeserver) -> None:
    # CI runs the suite again with LD_PRELOAD=libfaketime; the homeserver must not inherit it.
    environ = {"LD_PRELOAD": "/x/libfaketime.so.1", "FAKETIME": "@2029-02-28 23:30:00",
               "FAKETIME_DONT_FAKE_MONOTONIC": "1", "PATH": "/usr/bin", "TZ": "UTC"}
    assert hs.child_environment(environ) == {"PATH": "/usr/bin", "TZ": "UTC"}
    assert synapse.process is not None
    running = Path(f"/proc/{synapse.process.pid}/environ").read_bytes().split(b"\0")
    assert not [v for v in running if v.startswith((b"LD_PRELOAD=", b"FAKETIME"))]


def test_a_machine_without_synapse_is_told_how_to_install_it(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hs, "synapse_installed", lambda: False)
    with pytest.raises(HomeserverMissing, match=r'pip install -e "\.\[test\]"'):
        Homeserver.start(tmp_path / "hs")


def test_a_start_that_fails_says_why_with_the_log_tail(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(HomeserverFailed) as failed:
            Homeserver.start(tmp_path / "hs", port=port, timeout=60)
    assert "exited with status" in str(failed.value)
    assert "last lines of" in str(failed.value)


async def test_the_community_is_a_space_with_every_place_as_a_room(matrix: MatrixCommunity) -> None:
    amina = await matrix.member("amina")
    children = {e["state_key"] for e in await amina.room_state(matrix.community.space_id)
                if e["type"] == "m.space.child"}
    assert children == {matrix.room(p.name) for p in PLACES}
    create = await amina.state(matrix.community.space_id, "m.room.create")
    assert create["type"] == "m.space"
    for place in PLACES:
        room = matrix.room(place.name)
        if place.staff:
            continue
        await amina.join(room)
        assert (await amina.state(room, "m.room.name"))["name"] == place.fallback
        parent = await amina.state(room, "m.space.parent", matrix.community.space_id)
        assert parent["canonical"] is True


async def test_staff_rooms_are_invite_only_and_staff_are_their_members(matrix: MatrixCommunity) -> None:
    newcomer = await matrix.member("newcomer")
    organizer = await matrix.member("organizer", staff=("organizers",))
    with pytest.raises(MatrixRequestError) as refused:
        await newcomer.join(matrix.room("organizers"))
    assert refused.value.errcode == "M_FORBIDDEN"
    assert matrix.room("organizers") in await organizer.joined_rooms()
    assert matrix.room("organizers") not in await newcomer.joined_rooms()


async def test_members_talk_react_and_read_each_other_through_sync(matrix: MatrixCommunity) -> None:
    amina = await matrix.member("amina")
    tesfay = await matrix.member("tesfay")
    welcome = matrix.room("welcome")
    sent = await amina.send(welcome, "hej!")
    got = await tesfay.next_message(welcome, sender=amina.user_id)
    assert got["event_id"] == sent
    assert got["content"] == {"msgtype": "m.text", "body": "hej!"}
    await tesfay.react(welcome, sent, "👍")
    reaction = await amina.next_event(welcome, sender=tesfay.user_id, event_type="m.reaction")
    assert reaction["content"]["m.relates_to"] == {"rel_type": "m.annotation", "event_id": sent, "key": "👍"}


async def test_waiting_for_a_message_that_never_comes_fails_with_what_arrived(matrix: MatrixCommunity) -> None:
    amina = await matrix.member("amina")
    tesfay = await matrix.member("tesfay")
    await tesfay.send(matrix.room("welcome"), "only this")
    with pytest.raises(AssertionError, match="only this"):
        await amina.next_message(matrix.room("welcome"), sender=matrix.bot.user_id, timeout=0.5)


async def test_in_announcements_only_moderators_post_but_everyone_reacts(matrix: MatrixCommunity) -> None:
    amina = await matrix.member("amina", join=("announcements",))
    room = matrix.room("announcements")
    with pytest.raises(MatrixRequestError) as refused:
        await amina.send(room, "may I?")
    assert refused.value.status == 403
    notice = await matrix.admin.request(
        "PUT", f"/_matrix/client/v3/rooms/{room}/send/m.room.message/t1", token=matrix.bot.access_token,
        body={"msgtype": "m.notice", "body": "Language café on Thursday"})
    await amina.react(room, notice["event_id"], "✅")


async def test_a_password_printed_for_a_member_logs_in(matrix: MatrixCommunity) -> None:
    account = await matrix.admin.register("password-user", "a printed password")
    logged_in = await login(matrix.session, matrix.url, account.localpart, "a printed password")
    assert logged_in.user_id == account.user_id
    with pytest.raises(MatrixRequestError) as refused:
        await login(matrix.session, matrix.url, account.localpart, "wrong")
    assert refused.value.errcode == "M_FORBIDDEN"


async def test_default_limits_refuse_a_fast_member_and_spare_the_exempted_bot(
        matrix_default_limits: MatrixCommunity) -> None:
    matrix = matrix_default_limits
    chatty = await matrix.member("chatty", exempt=False)
    welcome = matrix.room("welcome")
    refusal = None
    for n in range(30):  # Synapse's default: 0.2 messages/s after a burst of 10
        try:
            await chatty.send(welcome, f"message {n}")
        except MatrixRequestError as exc:
            refusal = exc
            break
    assert refusal is not None and refusal.errcode == "M_LIMIT_EXCEEDED"
    assert refusal.body["retry_after_ms"] > 0
    for n in range(30):  # the bot, exempted as the README advises, is never refused
        await matrix.admin.request(
            "PUT", f"/_matrix/client/v3/rooms/{welcome}/send/m.room.message/bot{n}", token=matrix.bot.access_token,
            body={"msgtype": "m.notice", "body": f"notice {n}"}, wait_out_limits=False)


def test_a_killed_test_run_leaves_no_homeserver_behind(tmp_path: Path) -> None:
    import os
    import select
    import subprocess
    import sys

    script = ("import sys, time; from pathlib import Path; from bot.matrix.homeserver import Homeserver; "
              f"hs = Homeserver.start(Path({str(tmp_path / 'hs')!r})); print(hs.process.pid, flush=True); "
              "time.sleep(300)")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=Path(__file__).parents[2])
    try:
        synapse_pid = int(parent.stdout.readline())
        watch = os.pidfd_open(synapse_pid)
        parent.kill()  # SIGKILL: no clean-up code of the parent runs
        parent.wait()
        ended, _, _ = select.select([watch], [], [], 30)  # readable once the process has ended
        assert ended, "Synapse outlived the process that started it"
        os.close(watch)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
