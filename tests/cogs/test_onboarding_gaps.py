"""Known gaps of the welcome, closed: the card after /privacy delete, the old language role, the
reminder's opt-in rule, and the truth about a mentor request."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from datetime import timedelta

import pytest

from bot.core.db import SimulatedCrash
from bot.simulator import Simulator
from bot.simulator.discord_side import GUILD_ID
from tests.cogs.test_onboarding import pause, pick_step, press_step, roles_of, uid, walk
from tests.conftest import START


def onboarding(sim: Simulator):
    return sim.running_bot.services.capabilities["onboarding"]


def card_of(sim: Simulator):
    card = [a for a in sim.sent_to("#volunteers") if a.kind == "message"][-1]
    return sim.discord.messages[card.message_id]


async def delete_my_data(sim: Simulator, name: str) -> None:
    await pause(sim)
    step = await sim.slash(name, "/privacy delete")
    await pause(sim)
    await sim.press(name, step.last().buttons()[0]["custom_id"])


# ----- (1) /privacy delete and the volunteer card ------------------------------------------------------------
async def test_privacy_delete_blanks_the_volunteer_card(sim: Simulator) -> None:
    await sim.join("Amal")
    await walk(sim, "Amal", language="en", topics=("housing",), area="Kusfors", mentor=True)
    card = card_of(sim)
    assert "Kusfors" in card.content and card.components
    await delete_my_data(sim, "Amal")
    await sim.advance(timedelta(seconds=5))
    card = card_of(sim)
    assert "Kusfors" not in card.content and "Bostad" not in card.content
    assert f"<@{uid(sim, 'Amal')}>" not in card.content
    assert card.components == []  # nothing left to claim
    edits = [a for a in sim.actions if a.kind == "edit" and a.message_id == card.id]
    assert len(edits) == 1
    await sim.advance(timedelta(hours=1))
    assert len([a for a in sim.actions if a.kind == "edit" and a.message_id == card.id]) == 1


async def test_privacy_delete_blanks_the_card_at_once_after_it_committed(sim: Simulator) -> None:
    await sim.join("Amal")
    await walk(sim, "Amal", language="en", topics=("housing",), area="Kusfors", mentor=True)
    services = sim.running_bot.services
    original = services.jobs.on_change
    committed: list[int] = []

    async def spy() -> None:  # what another connection sees when the scheduler is asked to look
        with contextlib.closing(sqlite3.connect(str(services.db.path))) as other:
            committed.append(other.execute(
                "SELECT COUNT(*) FROM onboarding_members WHERE user_id = ?", (uid(sim, "Amal"),)).fetchone()[0])
        if original is not None:
            await original()

    services.jobs.on_change = spy
    await delete_my_data(sim, "Amal")
    assert committed and committed[0] == 0  # woken only once the deletion was committed
    assert "Kusfors" not in card_of(sim).content  # and the card is blank without the clock moving


async def test_privacy_delete_blanks_a_claimed_card_too(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.join("Vera")
    await sim.grant("Vera", "volunteer")
    await walk(sim, "Amal", language="en", topics=("work",), area="Kusfors")
    await sim.press("Vera", f"onb:claim:{uid(sim, 'Amal')}", message=card_of(sim))
    assert "Kusfors" in card_of(sim).content
    await delete_my_data(sim, "Amal")
    await sim.advance(timedelta(seconds=5))
    assert "Kusfors" not in card_of(sim).content


async def test_a_press_on_an_old_card_after_deletion_blanks_it_and_refuses_politely(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.join("Vera")
    await sim.grant("Vera", "volunteer")
    await walk(sim, "Amal", language="en", topics=("work",), area="Kusfors")
    card = card_of(sim)
    # The card's id is lost (as if deleted before this version): only the claim can notice.
    await sim.running_bot.services.db.execute("UPDATE onboarding_members SET card_message_id = NULL")
    await delete_my_data(sim, "Amal")
    await sim.advance(timedelta(seconds=5))
    assert "Kusfors" in card.content  # not blanked yet: nobody knew the card
    step = await sim.press("Vera", f"onb:claim:{uid(sim, 'Amal')}", message=card)
    assert "no longer available" in step.last().content and step.last().visible_to == "Vera"
    assert "Kusfors" not in card.content and card.components == []
    assert await onboarding(sim).get(GUILD_ID, uid(sim, "Amal")) is None  # nothing recreated


async def _delete_scenario(tmp_path, catalogs, crash_at: int | None) -> tuple[Simulator, int]:
    sim = Simulator(tmp_path / f"delete-{crash_at}.db", start=START, catalogs=catalogs)
    await sim.start()
    await sim.join("Amal")
    # The flow through the service (the simulated presses are tested elsewhere; this keeps the test fast).
    service, user = onboarding(sim), uid(sim, "Amal")
    await service.begin(GUILD_ID, user)
    await service.choose_language(GUILD_ID, user, "en")
    await service.set_consent(GUILD_ID, user, True)
    await service.set_topics(GUILD_ID, user, ["housing"])
    await service.set_area(GUILD_ID, user, "Kusfors")
    await service.set_mentor(GUILD_ID, user, False)
    state, _ = await service.finish(GUILD_ID, user)
    await sim.running_bot.get_cog("OnboardingCog").flows.post_card(state, "en")
    step = await sim.slash("Amal", "/privacy delete")
    switch = sim.arm_crash(crash_at)
    await sim.press("Amal", step.last().buttons()[0]["custom_id"])
    with contextlib.suppress(SimulatedCrash):
        await sim.advance(timedelta(seconds=5))
    return sim, switch.count


async def test_a_kill_at_any_write_of_a_privacy_delete_never_leaves_the_card_showing_deleted_data(
        tmp_path, catalogs) -> None:
    sim, writes = await _delete_scenario(tmp_path, catalogs, None)
    await sim.close()
    print(f"privacy delete: {writes} writes")
    # The deletion spans every feature's section; before its COMMIT every kill is the same rollback, so a
    # kill at the first write, one in the middle and at each of the last writes (the COMMIT and the
    # card job) cover every distinct outcome and keep the test fast.
    points = sorted({1, writes // 2, *range(max(1, writes - 7), writes + 1)})
    for point in points:
        sim, _ = await _delete_scenario(tmp_path, catalogs, point)
        try:
            await sim.recover()
            await sim.advance(timedelta(seconds=5))
            assert await sim.running_bot.services.db.check() == []
            deleted = await onboarding(sim).get(GUILD_ID, uid(sim, "Amal")) is None
            card = card_of(sim)
            assert ("Kusfors" not in card.content) == deleted, point  # blanked exactly when deleted
            if not deleted:  # the member asks again
                await delete_my_data(sim, "Amal")
                await sim.advance(timedelta(seconds=5))
                assert "Kusfors" not in card_of(sim).content
            # An edit interrupted by the kill may be repeated; it is the same blank card (no message twice).
            edits = {a.content for a in sim.actions if a.kind == "edit" and a.message_id == card.id}
            assert len(edits) == 1
            assert len([a for a in sim.actions if a.kind == "message" and a.to == "#volunteers"]) == 1
        finally:
            await sim.close()


# ----- (2) the language role follows the language ----------------------------------------------------------
async def test_changing_language_removes_the_old_language_role(sim: Simulator) -> None:
    await sim.join("Amal")
    await walk(sim, "Amal", language="en", topics=("work",))
    assert "lang-en" in roles_of(sim, "Amal")
    await sim.slash("Amal", "/welcome start")
    await press_step(sim, "Amal", "change", "language")
    step = await pick_step(sim, "Amal", "language", ["ar"])
    assert "lang-ar" in roles_of(sim, "Amal")
    assert "lang-en" not in roles_of(sim, "Amal")
    assert [a.role for a in step.of("role_remove")] == ["lang-en"]
    assert {"newcomer", "help-work"} <= roles_of(sim, "Amal")  # nothing else taken away


async def test_changing_language_without_consent_also_removes_the_old_language_role(sim: Simulator) -> None:
    await sim.join("Farid")
    await walk(sim, "Farid", language="prs", consent=False, topics=("work",))
    await sim.slash("Farid", "/welcome start")
    await press_step(sim, "Farid", "change", "language")
    await pick_step(sim, "Farid", "language", ["sv"])
    assert "lang-sv" in roles_of(sim, "Farid") and "lang-prs" not in roles_of(sim, "Farid")
    assert "help-work" in roles_of(sim, "Farid")  # without stored topics, help roles are left alone


# ----- (3) the reminder reaches only members who allowed DMs -------------------------------------------------
async def test_the_reminder_never_dms_a_member_who_did_not_opt_in_even_with_open_dms(sim: Simulator) -> None:
    await sim.join("Bertil", dms_open=True)
    await sim.press("Bertil", "onb:start")
    await pick_step(sim, "Bertil", "language", ["sv"])
    await sim.advance(timedelta(days=10))
    assert sim.sent_to("dm:Bertil") == []
    assert [a for a in sim.actions if a.kind == "dm"] == []


async def test_a_reminder_to_closed_dms_is_tried_once_and_logged_without_personal_data(
        sim: Simulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await sim.join("Zainabqx", dms_open=False)
    await sim.running_bot.services.prefs.set_dm_allowed(uid(sim, "Zainabqx"), True)  # opted in elsewhere
    await sim.press("Zainabqx", "onb:start")
    await pick_step(sim, "Zainabqx", "language", ["ar"])
    await sim.advance(timedelta(days=10))
    attempts = [r for r in sim.discord.requests if r[1] == "POST" and r[2].startswith("/channels/")
                and sim.discord.channels.get(int(r[2].split("/")[2])) is not None
                and sim.discord.channels[int(r[2].split("/")[2])].type == 1]
    assert len(attempts) == 1  # one try, no retry storm
    assert sim.sent_to("dm:Zainabqx") == []
    assert "Zainabqx" not in caplog.text
    assert "reminder not delivered" in caplog.text


async def test_the_reminder_is_sent_once_even_across_a_restart(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.running_bot.services.prefs.set_dm_allowed(uid(sim, "Amal"), True)
    await sim.press("Amal", "onb:start")
    await sim.advance(timedelta(days=3))
    await sim.restart()
    await sim.advance(timedelta(days=3))
    assert len(sim.sent_to("dm:Amal")) == 1


# ----- (4) the truth about the mentor request ----------------------------------------------------------------
class Mentoring:
    def __init__(self, result: bool | None) -> None:
        self.result = result

    async def request_from_onboarding(self, *args, consent=None) -> bool:
        if self.result is None:
            raise RuntimeError("mentoring is down")
        return self.result


async def test_a_member_already_waiting_for_a_mentor_is_told_so_in_their_language(sim: Simulator) -> None:
    sim.running_bot.services.capabilities["mentoring"] = Mentoring(False)
    await sim.join("Sven", locale="sv-SE")
    step = await walk(sim, "Sven", language="sv", mentor=True)
    done = step.last("edit").content
    assert "Du står redan i kön för en mentor" in done
    assert "Jag har bett om en mentor" not in done


async def test_a_failed_mentor_request_is_not_reported_as_asked(sim: Simulator) -> None:
    sim.running_bot.services.capabilities["mentoring"] = Mentoring(None)
    await sim.join("Amal")
    step = await walk(sim, "Amal", language="en", mentor=True)
    done = step.last("edit").content
    assert "could not ask for a mentor" in done and "I have asked" not in done


async def test_a_created_mentor_request_is_confirmed(sim: Simulator) -> None:
    sim.running_bot.services.capabilities["mentoring"] = Mentoring(True)
    await sim.join("Amal")
    step = await walk(sim, "Amal", language="en", mentor=True)
    assert "I have asked for a mentor" in step.last("edit").content
