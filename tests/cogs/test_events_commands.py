"""The /event and /announce commands as Discord receives them: every option is described, in translation."""

from __future__ import annotations

import pytest

from bot.core.services import build_services
from bot.core.settings import Settings
from bot.edge.client import MultinationsBot
from bot.edge.translator import CatalogTranslator

#: The catalogs' languages that Discord offers as client languages (Arabic, Dari, Somali, Tigrinya: not yet).
DISCORD_LOCALES = ("sv-SE", "uk", "de", "nl", "hi")


@pytest.fixture(scope="module")
def payload() -> list[dict]:
    import asyncio

    async def build() -> list[dict]:
        services = await build_services(Settings(), database_path=":memory:", exclusive=False)
        bot = MultinationsBot(services, extensions=["cogs.core", "cogs.events"])
        try:
            translator = CatalogTranslator(services.catalogs)
            await bot.tree.set_translator(translator)
            await bot.load_feature_extensions()
            return [await c.get_translated_payload(bot.tree, translator) for c in bot.tree._get_all_commands()]
        finally:
            await bot.close()
            await services.close()

    return asyncio.run(build())


def options(payload: list[dict]) -> list[tuple[str, dict]]:
    found: list[tuple[str, dict]] = []

    def walk(items: list[dict], path: str) -> None:
        for item in items:
            if item.get("type") in (1, 2):
                walk(item.get("options", []), f"{path} {item['name']}")
            else:
                found.append((f"{path} {item['name']}", item))

    for command in payload:
        if command["name"] in ("event", "announce"):
            walk(command.get("options", []), "/" + command["name"])
    return found


def test_every_event_and_announce_option_has_a_short_description(payload: list[dict]) -> None:
    found = options(payload)
    assert len(found) > 30
    for where, option in found:
        description = option["description"]
        assert description and description not in ("…", "..."), where
        assert len(description) <= 100, where


@pytest.mark.parametrize("locale", DISCORD_LOCALES)
def test_every_option_description_is_translated(payload: list[dict], locale: str) -> None:
    for where, option in options(payload):
        translated = (option.get("description_localizations") or {}).get(locale)
        assert translated, (where, locale)
        assert len(translated) <= 100, (where, locale)
