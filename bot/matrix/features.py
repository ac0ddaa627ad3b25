"""The four features and the core commands installed over the Matrix adapter (the `run_matrix` installer)."""

from __future__ import annotations

from bot.core.services import Services
from bot.features.install import install_all
from bot.matrix.client import MatrixBot


async def install_features(services: Services, bot: MatrixBot) -> None:
    """Install and start every feature over `bot.conversation`; a join to the space starts the welcome."""
    installed = await install_all(services, bot.conversation)
    bot.features = installed
    bot.on_join(installed["onboarding"].flows.member_joined)

