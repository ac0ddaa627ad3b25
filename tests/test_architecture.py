"""Structural rules: the core and the features never import discord; every extension loads."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.core.services import build_services
from bot.core.settings import Settings
from bot.edge.client import DEFAULT_EXTENSIONS, MultinationsBot, available_extensions

ROOT = Path(__file__).resolve().parents[1]
PLAIN_PACKAGES = ("bot/core", "bot/features")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", [p for pkg in PLAIN_PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_and_storage_never_import_discord(path: Path) -> None:
    assert "discord" not in _imports(path)


def test_all_four_capabilities_are_installed() -> None:
    assert available_extensions() == list(DEFAULT_EXTENSIONS)


@pytest.mark.parametrize("extension", available_extensions())
async def test_every_extension_loads_and_unloads_on_its_own(extension: str) -> None:
    services = await build_services(Settings(), database_path=":memory:", exclusive=False)
    bot = MultinationsBot(services, extensions=[])
    try:
        await bot.load_extension(extension)
        assert bot.cogs
        await bot.unload_extension(extension)
    finally:
        await bot.close()
        await services.close()


async def test_the_bot_asks_only_for_the_guilds_and_members_intents() -> None:
    import discord

    services = await build_services(Settings(), database_path=":memory:", exclusive=False)
    bot = MultinationsBot(services, extensions=[])
    try:
        expected = discord.Intents.none()
        expected.guilds = True
        expected.members = True
        assert bot.intents == expected
        assert bot.allowed_mentions is not None
        assert bot.allowed_mentions.to_dict()["parse"] == []
    finally:
        await bot.close()
        await services.close()
