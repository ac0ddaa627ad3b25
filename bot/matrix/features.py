"""The four features and the core commands installed over the Matrix adapter (the `run_matrix` installer)."""

from __future__ import annotations

from bot.core.conversation import UserRef
from bot.core.services import Services
from bot.features.install import install_all
from bot.matrix.client import MatrixBot


async def install_features(services: Services, bot: MatrixBot) -> None:
    """Install and start every feature over `bot.conversation`; a join to the space starts the welcome, a
    member who leaves the space is taken off events' lists and mentoring rounds (as the Discord cogs do)."""
    installed = await install_all(services, bot.conversation)
    bot.features = installed
    bot.on_join(installed["onboarding"].flows.member_joined)
    events, mentoring = installed["events"].service, installed["mentoring"].service

    async def left(community: int, user: UserRef) -> None:
        # As on Discord: a member who left holds no place at dates ahead, and is proposed in no round.
        await events.member_left(community, int(user.id))
        await mentoring.member_left(community, int(user.id))

    async def returned(community: int, user: UserRef) -> None:
        await mentoring.member_returned(community, int(user.id))

    bot.on_leave(left)
    bot.on_join(returned)

