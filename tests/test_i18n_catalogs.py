"""Every UI string is translated in all ten catalogs, with the same placeholders and plural forms."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from bot.core.i18n import DEFAULT_LOCALES_DIR, placeholders
from bot.core.languages import CATALOGS
from bot.i18n_tools import PLURAL_FORMS, build_template, is_translated, load_catalog


@pytest.fixture(scope="module")
def template(command_payload):
    return build_template(command_payload)


def test_the_template_contains_the_command_strings(template) -> None:
    assert template.get("language", context="command name") is not None
    assert template.get("Choose the language the bot uses with you") is not None


@pytest.mark.parametrize("code", [c for c in CATALOGS if c != "en"])
def test_every_message_is_translated(template, code: str) -> None:
    catalog = load_catalog(code)
    optional = ("command name", "command choice")  # Discord may keep the English name
    missing = [
        m.id for m in template
        if m.id and m.context not in optional and not is_translated(catalog.get(m.id, m.context))
    ]
    assert missing == [], f"{code} lacks {len(missing)} translations, e.g. {missing[:5]}"


@pytest.mark.parametrize("code", CATALOGS)
def test_placeholders_match(code: str) -> None:
    catalog = load_catalog(code)
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        expected = set().union(*(placeholders(i) for i in ids))
        for translated in strings:
            if translated and placeholders(translated) - expected:
                wrong.append(message.id)
    assert wrong == []


@pytest.mark.parametrize("code", CATALOGS)
def test_plural_forms_headers_follow_cldr(code: str) -> None:
    folder = DEFAULT_LOCALES_DIR / code / "LC_MESSAGES"
    for path in folder.glob("*.po"):
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=code)
        assert catalog.plural_forms == PLURAL_FORMS[code], path


SHIPPED = [*sorted(DEFAULT_LOCALES_DIR.glob("*/LC_MESSAGES/messages.po")), DEFAULT_LOCALES_DIR / "messages.pot"]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.parent.name or p.name)
def test_every_shipped_catalog_parses_strictly(path) -> None:
    # The bot skips an unreadable catalog (and falls back to English) rather than crash: the suite must not.
    with path.open("rb") as handle:
        assert len(read_po(handle, abort_invalid=True)) > 0
