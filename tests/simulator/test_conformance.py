"""The simulator checks its traffic against Discord's API description, and its own answers fit it.

Requests that break the description are refused as Discord refuses them (400, code 50035, an
`errors` tree by field) and recorded with route, field and rule; the suite's conftest fails the test
that caused one. The answers below are the ones an independent check found different from the
description; each is checked field by field and against the description itself.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import discord
import pytest

from bot.simulator import Simulator
from bot.simulator.conformance import Violation, invalid_form_body, load
from bot.simulator.discord_side import APP_ID, GUILD_ID, FakeDiscord, FakeResponse
from bot.simulator.harness import seed_guild
from tests.conftest import START

API = "https://discord.com/api/v10"


def fake_discord() -> FakeDiscord:
    fake = FakeDiscord(now=lambda: START)
    seed_guild(fake)
    return fake


async def call(fake: FakeDiscord, method: str, path: str, body: Any = None,
               params: dict[str, Any] | None = None) -> FakeResponse:
    kwargs: dict[str, Any] = {"params": params}
    if body is not None:
        kwargs["data"] = json.dumps(body)
    return await fake.handle(method, API + path, kwargs)


def fits(method: str, path: str, response: FakeResponse) -> list[Violation]:
    return load().check_response(method, path, response.status, response.body)


# ----- requests the bot sends ----------------------------------------------------------------------
async def test_a_request_that_breaks_the_description_is_refused_with_50035_naming_route_field_and_rule(
        sim: Simulator) -> None:
    channel = sim.running_bot.get_channel(sim.discord.channel_named("general").id)
    mark = len(sim.actions)
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send(embed=discord.Embed(title="x" * 300))  # type: ignore[union-attr]
    assert refused.value.status == 400
    assert refused.value.code == 50035
    body = refused.value.response.body  # type: ignore[attr-defined]
    error = body["errors"]["embeds"]["0"]["title"]["_errors"][0]
    assert error["code"] == "BASE_TYPE_MAX_LENGTH"
    assert "256" in error["message"]
    [violation] = sim.discord.take_violations()
    assert violation.direction == "request"
    assert violation.route == "POST /channels/{channel_id}/messages"
    assert violation.field == "body.embeds[0].title"
    assert violation.rule == "maxLength 256"
    assert "POST /channels/{channel_id}/messages" in str(violation) and "body.embeds[0].title" in str(violation)
    assert sim.actions[mark:] == [], "a refused message is not posted"


async def test_the_same_broken_body_is_refused_every_time_and_a_fixed_one_passes() -> None:
    # The checker remembers what it found for a body it has seen: a repeat is refused just the same.
    fake = fake_discord()
    channel = fake.channel_named("general").id
    broken = {"embeds": [{"type": "rich", "title": "y" * 300}]}
    for _ in range(3):
        refused = await call(fake, "POST", f"/channels/{channel}/messages", broken)
        assert refused.status == 400
        assert refused.body["errors"]["embeds"]["0"]["title"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
        [violation] = fake.take_violations()
        assert (violation.field, violation.rule) == ("body.embeds[0].title", "maxLength 256")
    fixed = await call(fake, "POST", f"/channels/{channel}/messages",
                       {"embeds": [{"type": "rich", "title": "y" * 256}]})
    assert fixed.status == 200
    assert fake.take_violations() == []


async def test_a_request_leaves_before_discords_part_so_other_handlers_send_theirs_first() -> None:
    # Discord reads and checks a request on its own machines: the simulator does that part only once
    # the caller has given way, so checking (and refusing) one handler's request does not hold back
    # the next handler's, and each request's time is the moment it left the bot.
    fake = fake_discord()
    channel = fake.channel_named("general").id
    events: list[str] = []

    async def handler(name: str, body: dict[str, Any]) -> None:
        events.append(f"{name} sends")
        answer = await call(fake, "POST", f"/channels/{channel}/messages", body)
        events.append(f"{name} gets {answer.status}")

    await asyncio.gather(handler("broken", {"embeds": [{"type": "rich", "title": "y" * 300}]}),
                         handler("fine", {"content": "hej"}))
    assert events == ["broken sends", "fine sends", "broken gets 400", "fine gets 200"]
    assert [method for _at, method, _path in fake.requests] == ["POST", "POST"]
    [violation] = fake.take_violations()
    assert violation.field == "body.embeds[0].title"


async def test_an_unknown_route_a_wrong_method_and_a_bad_query_parameter_are_refused() -> None:
    fake = fake_discord()
    channel = fake.channel_named("general").id
    unknown = await call(fake, "GET", "/guilds/1/no-such-thing")
    assert unknown.status == 404
    wrong_method = await call(fake, "PUT", f"/channels/{channel}/messages", {"content": "hi"})
    assert wrong_method.status == 405
    bad_query = await call(fake, "GET", f"/channels/{channel}/users/@me/threads/archived/private",
                           params={"limit": "many"})
    assert bad_query.status == 400
    assert bad_query.body["errors"]["limit"]["_errors"][0]["code"] == "BASE_TYPE_INVALID"
    not_a_snowflake = await call(fake, "GET", "/channels/general")
    assert not_a_snowflake.status == 400
    rules = [(v.route, v.field, v.rule) for v in fake.take_violations()]
    assert rules[0] == ("GET /guilds/1/no-such-thing", "", "route")
    assert rules[1] == (f"PUT /channels/{channel}/messages", "", "method")
    assert rules[2] == ("GET /channels/{channel_id}/users/@me/threads/archived/private", "query.limit", "type integer")
    assert rules[3] == ("GET /channels/{channel_id}", "path.channel_id", "pattern ^(0|[1-9][0-9]*)$")
    assert fake.violations == []


async def test_a_component_union_names_the_broken_field_of_the_branch_its_type_chose() -> None:
    fake = fake_discord()
    channel = fake.channel_named("general").id
    body = {"content": "pick", "components": [{"type": 1, "components": [
        {"type": 2, "style": 1, "custom_id": "ok", "label": "fine"},
        {"type": 2, "style": 1, "custom_id": "long", "label": "y" * 81},
    ]}]}
    refused = await call(fake, "POST", f"/channels/{channel}/messages", body)
    assert refused.status == 400
    [violation] = fake.take_violations()
    assert (violation.field, violation.rule) == ("body.components[0].components[1].label", "maxLength 80")
    assert refused.body == invalid_form_body([violation])
    unknown_type = await call(fake, "POST", f"/channels/{channel}/messages", {"components": [{"type": 99}]})
    assert unknown_type.status == 400
    [violation] = fake.take_violations()
    assert violation.field == "body.components[0].type"
    assert violation.rule == "anyOf" or violation.rule == "oneOf"


async def test_snowflakes_may_be_numbers_in_requests_but_answers_always_write_them_as_text() -> None:
    checks = load()
    _status, violations = checks.check_request(
        "POST", "/users/@me/channels", {}, {"recipient_id": 1300000000000000001}, False)
    assert violations == []
    broken = checks.check_response("GET", "/guilds/1/members/2", 200, {
        "user": {"id": 2, "username": "a", "avatar": None, "discriminator": "0", "public_flags": 0, "flags": 0,
                 "global_name": None, "primary_guild": None},
        "roles": [], "joined_at": "2026-12-01T12:00:00+00:00", "deaf": False, "mute": False, "flags": 0,
        "pending": False, "avatar": None, "communication_disabled_until": None, "premium_since": None,
        "banner": None, "nick": None,
    })
    assert [(v.field, v.rule) for v in broken] == [("user.id", "type string")]


# ----- the simulator's own answers -----------------------------------------------------------------
async def test_a_whole_flow_through_every_capability_keeps_to_the_description(sim: Simulator) -> None:
    await sim.join("Amal", "en-US")
    await sim.slash("Amal", "/language")
    await sim.pick("Amal", ["ar"])
    await sim.slash("Amal", "/privacy show")
    await sim.slash("Amal", "/welcome start")
    await sim.slash("Amal", '/faq search query:"bank id"')
    await sim.autocomplete("Amal", "/faq search", "query", "bank")
    await sim.slash("Amal", "/event list")
    await sim.slash("Amal", "/mentor status")
    await sim.restart()
    await sim.running_bot.tree.sync(guild=discord.Object(GUILD_ID))
    assert sim.discord.violations == []
    routes = {load().route_name(method, path) for _at, method, path in sim.discord.requests}
    assert {"GET /users/@me", "POST /interactions/{interaction_id}/{interaction_token}/callback",
            "PUT /applications/{application_id}/guilds/{guild_id}/commands"} <= routes


async def test_interaction_callbacks_answer_like_discord_for_every_interaction_and_callback_type() -> None:
    fake = fake_discord()
    amal = fake.add_member("Amal")
    general = fake.channel_named("general")
    posted = await call(fake, "POST", f"/channels/{general.id}/messages",
                        {"content": "menu", "components": [{"type": 1, "components": [
                            {"type": 2, "style": 1, "custom_id": "b", "label": "B"}]}]})
    message_id = int(posted.body["id"])
    cases = [  # (interaction type, callback type, body data)
        (2, 4, {"content": "answer"}), (2, 5, {"flags": 64}), (3, 6, None), (3, 7, {"content": "edited"}),
        (4, 8, {"choices": [{"name": "a", "value": "a"}]}),
        (3, 9, {"custom_id": "m", "title": "Form", "components": [{"type": 18, "label": "Name", "component": {
            "type": 4, "custom_id": "name", "style": 1}}]}),
        (5, 4, {"content": "thanks"}),
    ]
    for interaction_type, callback_type, data in cases:
        interaction_id, token = fake.new_interaction(amal, general, message_id, kind=interaction_type)
        body: dict[str, Any] = {"type": callback_type, **({"data": data} if data else {})}
        path = f"/interactions/{interaction_id}/{token}/callback"
        answer = await call(fake, "POST", path, body, params={"with_response": "1"})
        assert answer.status == 200, answer.body
        assert fits("POST", path, answer) == []
        meta = answer.body["interaction"]
        assert meta["type"] == interaction_type
        if callback_type in (4, 5, 7):
            assert meta["response_message_id"].isdigit()
        else:
            assert "response_message_id" not in meta
        if callback_type in (4, 7):
            assert answer.body["resource"]["type"] == callback_type
            assert answer.body["resource"]["message"]["id"] == meta["response_message_id"]
        else:
            assert "resource" not in answer.body, (interaction_type, callback_type)
    # Without ?with_response Discord answers 204 No Content.
    interaction_id, token = fake.new_interaction(amal, general, kind=2)
    quiet = await call(fake, "POST", f"/interactions/{interaction_id}/{token}/callback",
                       {"type": 4, "data": {"content": "hi"}})
    assert (quiet.status, quiet.body) == (204, None)
    assert fake.violations == []


async def test_messages_users_channels_threads_and_the_application_have_the_fields_discord_always_sends() -> None:
    fake = fake_discord()
    amal = fake.add_member("Amal")
    general = fake.channel_named("general")
    path = f"/channels/{general.id}/messages"
    plain = await call(fake, "POST", path, {"content": "hello", "components": [
        {"type": 1, "components": [{"type": 3, "custom_id": "s", "options": [{"label": "A", "value": "a"}]}]},
        {"type": 1, "components": [{"type": 2, "style": 1, "custom_id": "x", "label": "X", "id": 2}]},
    ]})
    assert "nonce" not in plain.body  # never `nonce: null`
    rows = plain.body["components"]
    ids = [rows[0]["id"], rows[0]["components"][0]["id"], rows[1]["id"], rows[1]["components"][0]["id"]]
    assert sorted(ids) == [1, 2, 3, 4] and rows[1]["components"][0]["id"] == 2  # the sender's id is kept
    assert (rows[0]["components"][0]["min_values"], rows[0]["components"][0]["max_values"]) == (1, 1)
    author = plain.body["author"]
    assert (author["flags"], author["public_flags"], author["primary_guild"]) == (0, 0, None)
    with_nonce = await call(fake, "POST", path, {"content": "once", "nonce": "n-1", "enforce_nonce": True})
    assert with_nonce.body["nonce"] == "n-1"
    me = await call(fake, "GET", "/users/@me")
    assert me.body["locale"] == "en-US" and me.body["flags"] == 0
    app = await call(fake, "GET", "/oauth2/applications/@me")
    for name in ("type", "flags_new", "redirect_uris", "role_connections_verification_url", "approximate_guild_count",
                 "approximate_user_install_count", "approximate_user_authorization_count",
                 "explicit_content_filter", "eligible_oauth2_scopes"):
        assert name in app.body, name
    assert app.body["owner"]["primary_guild"] is None
    member = await call(fake, "GET", f"/guilds/{GUILD_ID}/members/{amal.id}")
    assert member.body["user"]["public_flags"] == 0 and member.body["user"]["flags"] == 0
    dm = await call(fake, "POST", "/users/@me/channels", {"recipient_id": str(amal.id)})
    assert dm.body["flags"] == 0 and dm.body["recipients"][0]["primary_guild"] is None
    thread = await call(fake, "POST", f"/channels/{general.id}/threads", {"name": "pair", "type": 12})
    assert thread.status == 201
    assert (thread.body["flags"], thread.body["total_message_sent"]) == (0, 0)
    channel = await call(fake, "GET", f"/channels/{general.id}")
    assert channel.body["flags"] == 0
    for method, route, response in (("POST", path, plain), ("POST", path, with_nonce), ("GET", "/users/@me", me),
                                    ("GET", "/oauth2/applications/@me", app),
                                    ("POST", "/users/@me/channels", dm),
                                    ("POST", f"/channels/{general.id}/threads", thread),
                                    ("GET", f"/channels/{general.id}", channel)):
        assert fits(method, route, response) == [], route
    assert fake.violations == []


async def test_scheduled_events_command_echo_and_rate_limit_bodies_fit_the_description() -> None:
    fake = fake_discord()
    events = f"/guilds/{GUILD_ID}/scheduled-events"
    created = await call(fake, "POST", events, {
        "name": "Language café", "privacy_level": 2, "scheduled_start_time": "2026-12-05T14:00:00+00:00",
        "scheduled_end_time": "2026-12-05T16:00:00+00:00", "entity_type": 3,
        "entity_metadata": {"location": "Library"}})
    event = created.body
    assert event["channel_id"] is None and event["image"] is None and event["recurrence_rule"] is None
    assert event["guild_scheduled_event_exceptions"] == []
    listed = await call(fake, "GET", events)
    assert fits("POST", events, created) == [] and fits("GET", events, listed) == []
    commands = f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"
    echo = await call(fake, "PUT", commands, [{"name": "ping", "description": "Ping", "type": 1,
                                               "integration_types": None, "contexts": None}])
    assert echo.body[0]["integration_types"] == [0]
    assert fits("PUT", commands, echo) == []
    fake.inject("GET", r"/users/@me$", 429, retry_after=0.5)
    limited = await call(fake, "GET", "/users/@me")
    assert limited.status == 429 and limited.body["code"] == 0 and limited.body["retry_after"] == 0.5
    assert fits("GET", "/users/@me", limited) == []
    assert fake.violations == []


async def test_an_answer_that_breaks_the_description_is_recorded_as_the_simulators_own_fault() -> None:
    fake = fake_discord()
    fake.inject("GET", r"/users/@me$", 403)  # a body with code and message: fine
    await call(fake, "GET", "/users/@me")
    assert fake.violations == []
    fault = fake.inject("GET", r"/users/@me$", 429)
    fault.body.pop("code")  # the old simulator's rate-limit body
    await call(fake, "GET", "/users/@me")
    [violation] = fake.take_violations()
    assert (violation.direction, violation.status, violation.field, violation.rule) == (
        "response", 429, "code", "required")


async def test_an_upload_is_checked_by_its_payload_json_part() -> None:
    import aiohttp

    fake = fake_discord()
    channel = fake.channel_named("general").id

    def form(payload: dict[str, Any]) -> aiohttp.FormData:
        data = aiohttp.FormData()
        data.add_field("payload_json", json.dumps(payload), content_type="application/json")
        data.add_field("files[0]", b"BEGIN:VCALENDAR", filename="event.ics", content_type="text/calendar")
        return data

    path = f"{API}/channels/{channel}/messages"
    sent = await fake.handle("POST", path, {"data": form({"content": "calendar", "attachments": [
        {"id": 0, "filename": "event.ics"}]})})
    assert sent.status == 200 and sent.body["attachments"][0]["filename"] == "event.ics"
    refused = await fake.handle("POST", path, {"data": form({"content": "calendar", "flags": "ephemeral"})})
    assert refused.status == 400
    [violation] = fake.take_violations()
    assert (violation.field, violation.rule) == ("body.flags", "type integer|null")


def test_the_shared_description_checks_exactly_as_the_plain_one() -> None:
    """`load()` shares the description's repeated parts and compiles each shared schema once; on random
    bodies for every described route it finds the same violations as checks built from plain JSON."""
    import random

    from bot.simulator.conformance import DESCRIPTION_PATH, Conformance, shared_tree

    text = DESCRIPTION_PATH.read_text(encoding="utf-8")
    assert shared_tree(json.loads(text)) == json.loads(text)
    plain, shared = Conformance(json.loads(text)), load()
    names = sorted({key for schema in json.loads(text)["schemas"].values() for key in schema.get("properties", {})})
    rng = random.Random(17)

    def value(depth: int = 0) -> Any:
        kind = rng.randrange(8 if depth < 3 else 5)
        if kind == 0:
            return rng.choice([None, True, False])
        if kind == 1:
            return rng.choice([0, 1, 7, -3, 2**53, 1.5])
        if kind in (2, 3, 4):
            return rng.choice(["", "x", "1234567890123456789", "a" * 120, "button", str(rng.random())])
        if kind == 5:
            return [value(depth + 1) for _ in range(rng.randrange(4))]
        return {rng.choice(names): value(depth + 1) for _ in range(rng.randrange(6))}

    routes = [key.split(" ", 1) for key in json.loads(text)["operations"]]
    found = 0
    for _ in range(400):
        method, template = rng.choice(routes)
        path = "/".join("123456789012345678" if part.startswith("{") else part for part in template.split("/"))
        body = {rng.choice(names): value() for _ in range(rng.randrange(8))}
        refused = plain.check_request(method, path, {}, body, False)
        assert refused == shared.check_request(method, path, {}, body, False)
        found += len(refused[1])
        status = rng.choice([200, 201, 204, 400])
        answered = plain.check_response(method, path, status, body)
        assert answered == shared.check_response(method, path, status, body)
        found += len(answered)
    assert found > 400  # the bodies do break rules
