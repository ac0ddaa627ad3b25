"""A volunteer's hellos: listed in her export, and no longer naming her once she deletes her data."""

from __future__ import annotations

import copy
from datetime import timedelta

from bot.simulator import Simulator
from bot.simulator.discord_side import GUILD_ID
from tests.cogs.test_onboarding import uid, walk
from tests.cogs.test_onboarding_gaps import card_of, delete_my_data


async def test_a_volunteers_hellos_are_exported_and_forgotten_with_her(sim: Simulator) -> None:
    await sim.join("Amal")
    await sim.join("Vera")
    await sim.join("Viktor")
    await sim.grant("Vera", "volunteer")
    await sim.grant("Viktor", "volunteer")
    await walk(sim, "Amal", language="en", topics=("work",), area="Kusfors")
    card = card_of(sim)
    stale = copy.deepcopy(card)  # Viktor's client still shows the card with its button
    await sim.press("Vera", f"onb:claim:{uid(sim, 'Amal')}", message=card)
    vera = uid(sim, "Vera")
    assert f"<@{vera}>" in card_of(sim).content

    exported = await sim.running_bot.services.privacy.export(vera)
    [hello] = exported["onboarding_hellos"]
    assert hello["newcomer_id"] == str(uid(sim, "Amal")) and hello["said_hello_at"]

    await delete_my_data(sim, "Vera")
    await sim.advance(timedelta(seconds=5))
    db = sim.running_bot.services.db
    assert await db.fetchval("SELECT COUNT(*) FROM onboarding_members WHERE claimed_by = ?", (vera,)) == 0
    assert await sim.running_bot.services.privacy.export(vera) == {}
    # The card no longer names her, still shows that Amal is being greeted, and is not offered again.
    redrawn = card_of(sim)
    assert f"<@{vera}>" not in redrawn.content
    assert "En volontär hälsar på." in redrawn.content and "Kusfors" in redrawn.content  # the guild's Swedish
    assert redrawn.components == []
    onboarding = sim.running_bot.services.capabilities["onboarding"]
    assert [s.user_id for s in await onboarding.queue(GUILD_ID)] == []
    step = await sim.press("Viktor", f"onb:claim:{uid(sim, 'Amal')}", message=stale)
    assert "A volunteer has already said they will say hello." in step.last().content
    assert f"<@{vera}>" not in step.last().content
