"""The simulated Discord refuses what Discord documents as refused, with Discord's status and code.

Requests are sent as discord.py sends them (through the simulator's HTTP entry point); the bot's own
flows that meet these rules are tested with the features.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.simulator import Simulator
from bot.simulator.discord_side import APP_ID, EPHEMERAL, FakeResponse

API = "https://discord.com/api/v10"


async def send(sim: Simulator, method: str, path: str, body: dict[str, Any] | None = None) -> FakeResponse:
    kwargs = {} if body is None else {"data": json.dumps(body)}
    return await sim.discord.handle(method, API + path, kwargs)


async def interaction(sim: Simulator, kind: int = 2, name: str = "Amal") -> tuple[int, str]:
    try:
        member = sim.discord.member_named(name)
    except KeyError:
        member = await sim.join(name)
    return sim.discord.new_interaction(member, sim.discord.channel_named("general"), kind=kind)


async def answer(sim: Simulator, ids: tuple[int, str], kind: int, data: dict[str, Any] | None = None) -> FakeResponse:
    return await send(sim, "POST", f"/interactions/{ids[0]}/{ids[1]}/callback?with_response=true",
                      {"type": kind, "data": data or {}})


@pytest.fixture(autouse=True)
async def refusals_are_the_point(sim: Simulator) -> AsyncIterator[None]:
    """These tests send what Discord refuses on purpose: what the API description check finds too
    is expected here (tests/simulator/test_conformance.py covers that check)."""
    yield
    sim.discord.take_violations()


async def refused(response: FakeResponse, status: int, code: int) -> dict[str, Any]:
    body = await response.json()
    assert (response.status, body["code"]) == (status, code), body
    return body


def field_errors(body: dict[str, Any]) -> str:
    return json.dumps(body["errors"])


async def test_a_first_response_after_3_simulated_seconds_is_an_unknown_interaction(sim: Simulator) -> None:
    ids = await interaction(sim)
    sim.set_time(sim.now + timedelta(seconds=3.5))
    await refused(await answer(sim, ids, 4, {"content": "too late"}), 404, 10062)
    assert not sim.discord.interactions[ids[1]]["responded"]


async def test_an_answer_within_3_seconds_is_taken(sim: Simulator) -> None:
    ids = await interaction(sim)
    sim.set_time(sim.now + timedelta(seconds=2.5))
    response = await answer(sim, ids, 4, {"content": "in time"})
    assert response.status == 200


async def test_real_waiting_counts_toward_the_deadline_but_computing_does_not(sim: Simulator) -> None:
    clock = sim.discord.clock
    before = clock.now()
    await asyncio.sleep(0.2)  # the loop idles, as while a locked database holds a handler
    waited = clock.now() - before
    assert waited >= 0.19
    before = clock.now()
    spin = time.perf_counter()
    while time.perf_counter() - spin < 0.2:  # a slow machine computing
        pass
    assert clock.now() - before < 0.05


async def test_a_token_used_after_15_minutes_is_invalid(sim: Simulator) -> None:
    ids = await interaction(sim)
    assert (await answer(sim, ids, 5)).status == 200
    sim.set_time(sim.now + timedelta(minutes=14))
    assert (await send(sim, "POST", f"/webhooks/{APP_ID}/{ids[1]}", {"content": "still fine"})).status == 200
    sim.set_time(sim.now + timedelta(minutes=1, seconds=1))
    await refused(await send(sim, "POST", f"/webhooks/{APP_ID}/{ids[1]}", {"content": "late"}), 401, 50027)
    await refused(await send(sim, "PATCH", f"/webhooks/{APP_ID}/{ids[1]}/messages/@original",
                             {"content": "late"}), 401, 50027)


async def test_an_interaction_is_answered_once(sim: Simulator) -> None:
    ids = await interaction(sim)
    assert (await answer(sim, ids, 4, {"content": "one"})).status == 200
    await refused(await answer(sim, ids, 4, {"content": "two"}), 400, 40060)


async def test_a_follow_up_before_any_response_is_an_unknown_webhook(sim: Simulator) -> None:
    ids = await interaction(sim)
    await refused(await send(sim, "POST", f"/webhooks/{APP_ID}/{ids[1]}", {"content": "hi"}), 404, 10015)


async def test_a_deferred_update_is_refused_for_a_slash_command(sim: Simulator) -> None:
    body = await refused(await answer(sim, await interaction(sim, kind=2), 6), 400, 50035)
    assert "type" in body["errors"]
    assert (await answer(sim, await interaction(sim, kind=3), 6)).status == 200  # a button may


async def test_only_choices_answer_an_autocomplete_and_no_modal_answers_a_modal(sim: Simulator) -> None:
    await refused(await answer(sim, await interaction(sim, kind=4), 4, {"content": "x"}), 400, 50035)
    modal = {"title": "Again", "custom_id": "m", "components": [
        {"type": 1, "components": [{"type": 4, "custom_id": "a", "label": "A", "style": 1}]}]}
    await refused(await answer(sim, await interaction(sim, kind=5), 9, modal), 400, 50035)


async def test_2001_characters_are_refused_in_a_callback_a_follow_up_and_an_edit(sim: Simulator) -> None:
    long = "x" * 2001
    body = await refused(await answer(sim, await interaction(sim), 4, {"content": long}), 400, 50035)
    assert body["errors"]["data"]["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    ids = await interaction(sim)
    await answer(sim, ids, 4, {"content": "ok"})
    await refused(await send(sim, "POST", f"/webhooks/{APP_ID}/{ids[1]}", {"content": long}), 400, 50035)
    await refused(await send(sim, "PATCH", f"/webhooks/{APP_ID}/{ids[1]}/messages/@original", {"content": long}),
                  400, 50035)
    general = sim.discord.channel_named("general").id
    await refused(await send(sim, "POST", f"/channels/{general}/messages", {"content": long}), 400, 50035)
    posted = await (await send(sim, "POST", f"/channels/{general}/messages", {"content": "ok"})).json()
    await refused(await send(sim, "PATCH", f"/channels/{general}/messages/{posted['id']}", {"content": long}),
                  400, 50035)
    assert (await answer(sim, await interaction(sim), 4, {"content": "x" * 2000})).status == 200


def button(custom_id: str) -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": "Go", "custom_id": custom_id}


async def test_six_action_rows_are_refused(sim: Simulator) -> None:
    rows = [{"type": 1, "components": [button(f"b{i}")]} for i in range(6)]
    body = await refused(await answer(sim, await interaction(sim), 4, {"content": "x", "components": rows}), 400, 50035)
    assert "components" in body["errors"]["data"]
    assert (await answer(sim, await interaction(sim), 4, {"content": "x", "components": rows[:5]})).status == 200


async def test_a_101_character_custom_id_is_refused(sim: Simulator) -> None:
    rows = [{"type": 1, "components": [button("c" * 101)]}]
    body = await refused(await answer(sim, await interaction(sim), 4, {"content": "x", "components": rows}), 400, 50035)
    assert "custom_id" in field_errors(body)


async def test_duplicate_custom_ids_are_refused(sim: Simulator) -> None:
    rows = [{"type": 1, "components": [button("same"), button("same")]}]
    general = sim.discord.channel_named("general").id
    body = await refused(await send(sim, "POST", f"/channels/{general}/messages", {"components": rows}), 400, 50035)
    assert "COMPONENT_CUSTOM_ID_DUPLICATED" in field_errors(body)


async def test_26_select_options_are_refused(sim: Simulator) -> None:
    options = [{"label": f"L{i}", "value": f"v{i}"} for i in range(26)]
    rows = [{"type": 1, "components": [{"type": 3, "custom_id": "s", "options": options}]}]
    body = await refused(await answer(sim, await interaction(sim), 4, {"content": "x", "components": rows}), 400, 50035)
    assert "options" in field_errors(body)
    rows[0]["components"][0]["options"] = options[:25]
    assert (await answer(sim, await interaction(sim), 4, {"content": "x", "components": rows})).status == 200


async def test_embeds_over_6000_characters_in_total_are_refused(sim: Simulator) -> None:
    embeds = [{"title": "t", "description": "d" * 4000}, {"description": "e" * 2000}]  # 6,002 in all
    ids = await interaction(sim)
    await answer(sim, ids, 5)
    body = await refused(await send(sim, "POST", f"/webhooks/{APP_ID}/{ids[1]}", {"embeds": embeds}), 400, 50035)
    assert "MAX_EMBED_SIZE_EXCEEDED" in field_errors(body)
    embeds[1]["description"] = "e" * 1990
    assert (await send(sim, "POST", f"/webhooks/{APP_ID}/{ids[1]}", {"embeds": embeds})).status == 200


async def test_a_46_character_modal_title_is_refused(sim: Simulator) -> None:
    modal = {"title": "T" * 46, "custom_id": "m", "components": [
        {"type": 1, "components": [{"type": 4, "custom_id": "a", "label": "A", "style": 1}]}]}
    body = await refused(await answer(sim, await interaction(sim), 9, modal), 400, 50035)
    assert "title" in body["errors"]["data"]
    modal["title"] = "T" * 45
    assert (await answer(sim, await interaction(sim), 9, modal)).status == 200


async def test_a_modal_of_six_inputs_or_a_too_long_prefilled_value_is_refused(sim: Simulator) -> None:
    def row(i: int, value: str = "") -> dict[str, Any]:
        return {"type": 1, "components": [{"type": 4, "custom_id": f"f{i}", "label": "A", "style": 2, "value": value}]}

    six = {"title": "Form", "custom_id": "m", "components": [row(i) for i in range(6)]}
    await refused(await answer(sim, await interaction(sim), 9, six), 400, 50035)
    long = {"title": "Form", "custom_id": "m", "components": [row(0, "v" * 4001)]}
    await refused(await answer(sim, await interaction(sim), 9, long), 400, 50035)


async def test_allowed_mentions_with_parse_users_and_a_users_list_are_refused(sim: Simulator) -> None:
    general = sim.discord.channel_named("general").id
    body = await refused(await send(sim, "POST", f"/channels/{general}/messages", {
        "content": "hi", "allowed_mentions": {"parse": ["users"], "users": ["1300000000000000001"]}}), 400, 50035)
    assert "allowed_mentions" in body["errors"]


async def test_an_ephemeral_flag_on_a_channel_message_is_refused(sim: Simulator) -> None:
    general = sim.discord.channel_named("general").id
    body = await refused(await send(sim, "POST", f"/channels/{general}/messages",
                                    {"content": "secret", "flags": EPHEMERAL}), 400, 50035)
    assert "flags" in body["errors"]
    assert not [a for a in sim.actions if a.content == "secret"]


async def test_the_first_follow_up_after_an_ephemeral_defer_replaces_the_thinking_message(sim: Simulator) -> None:
    ids = await interaction(sim)
    assert (await answer(sim, ids, 5, {"flags": EPHEMERAL})).status == 200
    thinking = (await (await send(sim, "GET", f"/webhooks/{APP_ID}/{ids[1]}/messages/@original")).json())["id"]
    first = await (await send(sim, "POST", f"/webhooks/{APP_ID}/{ids[1]}", {"content": "Here you are"})).json()
    assert first["id"] == thinking
    assert sim.actions[-1].kind == "followup" and sim.actions[-1].visible_to == "Amal"
    second = await (await send(sim, "POST", f"/webhooks/{APP_ID}/{ids[1]}", {"content": "And more"})).json()
    assert second["id"] != thinking
    assert [m.content for m in sim.messages_for("Amal") if m.interaction_token == ids[1]] == ["Here you are",
                                                                                               "And more"]
    bertil = await sim.join("Bertil")
    # the first stays as private as the defer; the second, sent without the flag, is public
    assert [m.content for m in sim.messages_for(bertil) if m.interaction_token == ids[1]] == ["And more"]


async def test_closed_dms_and_missing_permissions_are_refused(sim: Simulator) -> None:
    member = await sim.join("Amal", dms_open=False)
    dm = sim.discord.dm_channel_for(member.id)
    await refused(await send(sim, "POST", f"/channels/{dm.id}/messages", {"content": "hi"}), 403, 50007)
    admin = sim.discord.role_named("admin")
    await refused(await send(sim, "PUT", f"/guilds/{sim.discord.guild_payload()['id']}/members/{member.id}"
                                         f"/roles/{sim.discord.role_named('Multinations').id}"), 403, 50013)
    assert admin.id not in member.roles


async def test_every_answer_carries_rate_limit_headers(sim: Simulator) -> None:
    general = sim.discord.channel_named("general").id
    response = await send(sim, "POST", f"/channels/{general}/messages", {"content": "one"})
    assert response.headers["X-RateLimit-Limit"] == "5"
    assert response.headers["X-RateLimit-Remaining"] == "4"
    assert float(response.headers["X-RateLimit-Reset-After"]) == 5.0
    assert response.headers["X-RateLimit-Bucket"]


async def test_the_sixth_message_to_one_channel_within_5_seconds_is_a_429(sim: Simulator) -> None:
    general = sim.discord.channel_named("general").id
    for i in range(5):
        assert (await send(sim, "POST", f"/channels/{general}/messages", {"content": str(i)})).status == 200
    response = await send(sim, "POST", f"/channels/{general}/messages", {"content": "6"})
    body = await refused(response, 429, 0)
    assert body["global"] is False and 4.9 <= body["retry_after"] <= 5.0
    assert response.headers["X-RateLimit-Scope"] == "user" and response.headers["Retry-After"] == "5"
    sim.set_time(sim.now + timedelta(seconds=5))
    assert (await send(sim, "POST", f"/channels/{general}/messages", {"content": "6"})).status == 200


async def test_discord_py_waits_out_the_global_429_and_sends_everything_once(sim: Simulator) -> None:
    bot = sim.running_bot
    channels = [sim.discord.add_channel(f"room-{i}") for i in range(60)]
    began = sim.now
    await asyncio.gather(*(bot.get_partial_messageable(c.id).send(f"hello {c.name}") for c in channels))
    assert [r for r in sim.discord.ratelimits.refused if r[3] == "global"]  # the simulator said 429 ...
    sent = [a for a in sim.actions if a.kind == "message" and a.content.startswith("hello room-")]
    assert sorted(a.content for a in sent) == sorted(f"hello {c.name}" for c in channels)  # ... each once
    first = [a for a in sent if a.at == began]
    assert 40 <= len(first) <= 50  # what the window had left after the bot's start-up requests
    assert all(a.at >= began + timedelta(seconds=0.9) for a in sent if a.at != began)  # the rest waited


async def test_discord_py_paces_messages_to_one_channel_by_the_headers(sim: Simulator) -> None:
    channel = sim.running_bot.get_partial_messageable(sim.discord.channel_named("general").id)
    began = sim.now
    for i in range(7):
        await channel.send(f"note {i}")
    sent = [a for a in sim.actions if a.content.startswith("note ")]
    assert [a.at - began for a in sent] == [timedelta(0)] * 5 + [sent[5].at - began] * 2
    assert sent[5].at - began >= timedelta(seconds=5)
    assert not sim.discord.ratelimits.refused  # the headers were enough: no 429 was needed

