"""The menu-based profile editor (/mentor profile) through the simulator: selects and buttons only,
prefilled editing, a restart between picks, someone else's presses, Discord's limits and Cancel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.core.areas import AREAS_CONFIG_KEY
from bot.features.mentoring.editor import Draft
from bot.features.mentoring.model import MENTOR, NEWCOMER, Profile
from bot.simulator import Simulator
from bot.simulator.discord_side import GUILD_ID, Message

PREFIX = "mentoring:pe:"


def editor(sim: Simulator, who: str) -> Message:
    """The newest editor message the member sees."""
    for msg in reversed(sim.messages_for(who)):
        if any(c.get("custom_id", "").startswith(PREFIX) for c in _flat(msg.components)):
            return msg
    raise AssertionError(f"{who} sees no editor")


def _flat(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for row in rows for c in row.get("components", [])]


def part(msg: Message, what: str) -> dict[str, Any]:
    """The editor component for a field or an action (the fourth part of its custom id)."""
    found = [c for c in _flat(msg.components) if c.get("custom_id", "").split(":")[3:4] == [what]]
    assert found, f"no {what} in the editor"
    return found[0]


def chosen(msg: Message, what: str) -> list[str]:
    return [o["value"] for o in part(msg, what)["options"] if o.get("default")]


async def pause(sim: Simulator) -> None:
    """A person's pace (the per-member rate limit refuses scripts)."""
    await sim.advance(timedelta(seconds=1))


async def pick(sim: Simulator, who: str, what: str, values: list[str]) -> None:
    await pause(sim)
    msg = editor(sim, who)
    await sim.pick(who, values, select=part(msg, what)["custom_id"], message=msg)


async def press(sim: Simulator, who: str, what: str, *, owner: str | None = None) -> Any:
    await pause(sim)
    msg = editor(sim, owner or who)
    return await sim.press(who, part(msg, what)["custom_id"], message=msg)


async def profile(sim: Simulator, who: str, role: str) -> Profile | None:
    service = sim.running_bot.get_cog("MentoringCog").service  # type: ignore[union-attr]
    found = [p for p in await service.profiles_of(GUILD_ID, sim.member(who).id) if p.role == role]
    return found[0] if found else None


def same(a: Profile | None, b: Profile | None) -> None:
    assert a is not None and b is not None
    fields = ("role", "languages", "help", "interests", "area", "availability", "capacity", "paused_until")
    assert {f: getattr(a, f) for f in fields} == {f: getattr(b, f) for f in fields}


async def test_a_volunteer_builds_a_profile_with_menus_only_like_the_typed_command(sim: Simulator) -> None:
    await sim.join("Bertil", locale="en-US")
    await sim.join("Cora", locale="en-US")
    await sim.slash("Cora", '/mentor volunteer languages:"sv:3 ar:1" help:"housing, wood_industry" '
                            'interests:football availability:evenings area:"Norsjö centrum" capacity:2 adult:true')

    step = await sim.slash("Bertil", "/mentor profile role:volunteer")
    reply = step.last("interaction_response")
    assert reply.visible_to == "Bertil" and "Step 1 of 2" in reply.text
    msg = editor(sim, "Bertil")
    assert {o["label"] for o in part(msg, "well")["options"]} >= {"Swedish", "Arabic", "Somali"}
    await pick(sim, "Bertil", "well", ["sv"])
    await pick(sim, "Bertil", "little", ["ar"])
    await pick(sim, "Bertil", "help", ["wood_industry", "housing"])
    await press(sim, "Bertil", "next")
    assert "Step 2 of 2" in editor(sim, "Bertil").content
    await pick(sim, "Bertil", "interests", ["football"])
    await pick(sim, "Bertil", "availability", ["evenings"])
    centrum = next(o["value"] for o in part(editor(sim, "Bertil"), "area")["options"] if o["label"] == "Norsjö centrum")
    await pick(sim, "Bertil", "area", [centrum])
    await pick(sim, "Bertil", "capacity", ["2"])
    step = await press(sim, "Bertil", "save")

    same(await profile(sim, "Bertil", MENTOR), await profile(sim, "Cora", MENTOR))
    done = sim.discord.messages[msg.id]
    assert "Thank you for offering to be a mentor!" in done.content
    assert "the wood industry" in done.content
    # The editor became the confirmation; Bertil did not allow direct messages, so it offers that one press.
    assert [c["custom_id"] for c in _flat(done.components)] == ["core:allow-dm"]
    assert "next time you use the bot" in done.content
    assert all(a.visible_to == "Bertil" for a in step.actions)


async def test_an_existing_request_is_prefilled_and_saved_unchanged(sim: Simulator) -> None:
    await sim.join("Amal", locale="en-US")
    await sim.slash("Amal", '/mentor request languages:"ar:3 sv:2 en:1" help:work interests:"football, music" '
                            'availability:weekends adult:true area:"Kusfors"')
    before = await profile(sim, "Amal", NEWCOMER)

    await sim.slash("Amal", "/mentor profile role:newcomer")
    msg = editor(sim, "Amal")
    assert sorted(chosen(msg, "well")) == ["ar", "sv"] and chosen(msg, "little") == ["en"]
    assert chosen(msg, "help") == ["work"]
    await press(sim, "Amal", "next")
    msg = editor(sim, "Amal")
    assert chosen(msg, "interests") == ["football", "music"] and chosen(msg, "availability") == ["weekends"]
    assert [o["label"] for o in part(msg, "area")["options"] if o.get("default")] == ["Kusfors"]
    assert not any(":capacity:" in c.get("custom_id", "") for c in _flat(msg.components))  # mentors only
    await press(sim, "Amal", "save")

    # sv stays at level 2 ("good"), which the editor has no menu for.
    same(await profile(sim, "Amal", NEWCOMER), before)
    assert "Your request for a mentor is updated." in sim.discord.messages[msg.id].content


async def test_a_restart_between_picks_keeps_the_choices(sim: Simulator) -> None:
    await sim.join("Bertil", locale="en-US")
    await sim.slash("Bertil", "/mentor profile role:volunteer")
    await pick(sim, "Bertil", "well", ["sv", "fi"])
    await sim.restart()
    await pick(sim, "Bertil", "help", ["work"])
    assert chosen(editor(sim, "Bertil"), "well") == ["sv", "fi"]
    await press(sim, "Bertil", "next")
    await sim.restart()
    await pick(sim, "Bertil", "capacity", ["3"])
    await press(sim, "Bertil", "back")
    assert chosen(editor(sim, "Bertil"), "help") == ["work"]
    await press(sim, "Bertil", "next")
    assert chosen(editor(sim, "Bertil"), "capacity") == ["3"]
    await press(sim, "Bertil", "save")
    saved = await profile(sim, "Bertil", MENTOR)
    assert saved is not None
    assert saved.languages == {"sv": 3, "fi": 3} and saved.help == ("work",) and saved.capacity == 3


async def test_someone_else_cannot_use_the_editor(sim: Simulator) -> None:
    await sim.join("Bertil", locale="en-US")
    await sim.join("Omar", locale="en-US")
    await sim.slash("Bertil", "/mentor profile role:volunteer")
    await pick(sim, "Bertil", "well", ["sv"])
    await pick(sim, "Bertil", "help", ["work"])
    await press(sim, "Bertil", "next")
    msg = editor(sim, "Bertil")
    before = (msg.content, msg.components)

    for what in ("save", "cancel", "back"):
        step = await press(sim, "Omar", what, owner="Bertil")
        refusal = step.last()
        assert refusal.visible_to == "Omar" and "belongs to someone else" in refusal.text
    step = await sim.pick("Omar", ["football"], select=part(msg, "interests")["custom_id"], message=msg)
    assert "belongs to someone else" in step.last().text

    assert await profile(sim, "Bertil", MENTOR) is None and await profile(sim, "Omar", MENTOR) is None
    assert (sim.discord.messages[msg.id].content, sim.discord.messages[msg.id].components) == before


async def test_the_editor_stays_within_discords_limits(sim: Simulator) -> None:
    await sim.join("Bertil", locale="en-US")
    areas = [f"Village {n}" for n in range(1, 31)]
    await sim.running_bot.services.guild_config.set(GUILD_ID, AREAS_CONFIG_KEY, areas)
    for role in ("volunteer", "newcomer"):
        await sim.slash("Bertil", f"/mentor profile role:{role}")
        await pick(sim, "Bertil", "well", ["sv"])
        await pick(sim, "Bertil", "help", ["work"])
        for step in (1, 2):
            msg = editor(sim, "Bertil")
            assert 1 <= len(msg.components) <= 5
            for row in msg.components:
                assert row["type"] == 1 and len(row["components"]) <= 5
                for comp in row["components"]:
                    assert len(comp["custom_id"]) <= 100
                    if comp["type"] == 3:
                        assert 1 <= len(comp["options"]) <= 25 and comp["max_values"] <= len(comp["options"])
            if step == 1:
                await press(sim, "Bertil", "next")
        assert len(part(editor(sim, "Bertil"), "area")["options"]) == 25
        await press(sim, "Bertil", "cancel")


async def test_saving_needs_a_language_and_a_help_topic(sim: Simulator) -> None:
    await sim.join("Bertil", locale="en-US")
    await sim.slash("Bertil", "/mentor profile role:volunteer")
    step = await press(sim, "Bertil", "next")
    assert "at least one language" in step.last().text
    await pick(sim, "Bertil", "little", ["en"])
    step = await press(sim, "Bertil", "next")
    assert "at least one help topic" in step.last().text
    assert "Step 1 of 2" in editor(sim, "Bertil").content
    assert await profile(sim, "Bertil", MENTOR) is None


async def test_cancel_changes_nothing(sim: Simulator) -> None:
    await sim.join("Bertil", locale="en-US")
    await sim.slash("Bertil", '/mentor volunteer languages:"sv:3" help:work adult:true')
    before = await profile(sim, "Bertil", MENTOR)
    await sim.slash("Bertil", "/mentor profile role:volunteer")
    msg = editor(sim, "Bertil")
    await pick(sim, "Bertil", "well", ["en"])
    await press(sim, "Bertil", "next")
    await pick(sim, "Bertil", "capacity", ["5"])
    await press(sim, "Bertil", "cancel")
    same(await profile(sim, "Bertil", MENTOR), before)
    done = sim.discord.messages[msg.id]
    assert done.content == "Nothing was changed." and not done.components


async def test_an_editor_posted_by_the_previous_version_still_works_after_a_restart(sim: Simulator) -> None:
    await sim.join("Bertil", locale="en-US")
    await sim.slash("Bertil", "/mentor profile role:volunteer")
    msg = editor(sim, "Bertil")
    user = sim.member("Bertil").id
    state = Draft(role=MENTOR).encode()
    # Exactly the components the previous version (DynamicItem classes of the cog) sent.
    options = [{"label": "Swedish", "value": "sv"}, {"label": "Arabic", "value": "ar"}]
    menu = {"type": 3, "custom_id": f"{PREFIX}{user}:well:{state}", "min_values": 0, "max_values": 2,
            "placeholder": "Languages I speak well", "options": options}
    buttons = [{"type": 2, "style": 1, "label": "Next", "custom_id": f"{PREFIX}{user}:next:{state}"},
               {"type": 2, "style": 2, "label": "Cancel", "custom_id": f"{PREFIX}{user}:cancel:{state}"}]
    msg.components = [{"type": 1, "components": [menu]}, {"type": 1, "components": buttons}]
    await sim.restart()
    await pause(sim)
    await sim.pick("Bertil", ["sv"], select=f"{PREFIX}{user}:well:{state}", message=msg)
    redrawn = sim.discord.messages[msg.id]
    assert chosen(redrawn, "well") == ["sv"] and "Step 1 of 2" in redrawn.content
    await pick(sim, "Bertil", "help", ["work"])
    await press(sim, "Bertil", "next")
    await press(sim, "Bertil", "save")
    saved = await profile(sim, "Bertil", MENTOR)
    assert saved is not None and saved.languages == {"sv": 3} and saved.help == ("work",)
