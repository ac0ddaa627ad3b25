"""Catalog loading, plural rules, fallback to English, right-to-left isolation, the locale rule."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.i18n import FSI, PDI, Catalogs
from bot.core.languages import CATALOGS, LANGUAGES, resolve_language
from bot.i18n_tools import PLURAL_FORMS

AR_HEADER = f'''msgid ""
msgstr ""
"Language: ar\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"Plural-Forms: {PLURAL_FORMS["ar"]}\\n"
'''


def write_po(root: Path, catalog: str, body: str, header: str | None = None) -> None:
    folder = root / catalog / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "messages.po").write_text((header or AR_HEADER) + "\n" + body, encoding="utf-8")


def test_arabic_uses_all_six_plural_forms(tmp_path: Path) -> None:
    forms = "".join(f'msgstr[{i}] "form{i} {{n}}"\n' for i in range(6))
    write_po(tmp_path, "ar", f'msgid "{{n}} person"\nmsgid_plural "{{n}} people"\n{forms}')
    t = Catalogs.load(tmp_path).translator("ar")
    picked = [t.n_("{n} person", "{n} people", n).split()[0] for n in (0, 1, 2, 3, 11, 100)]
    assert picked == ["form0", "form1", "form2", "form3", "form4", "form5"]


def test_a_broken_catalog_falls_back_to_english_and_is_reported(tmp_path: Path, caplog) -> None:
    write_po(tmp_path, "ar", 'msgid "Hello"\nmsgstr "مرحبا"\nthis line is not gettext\n')
    with caplog.at_level(logging.WARNING):
        catalogs = Catalogs.load(tmp_path)
    assert any("ar" in problem for problem in catalogs.problems)
    assert catalogs.translator("ar")._("Hello") == "Hello"


def test_a_translation_with_wrong_placeholders_falls_back_to_english_once(tmp_path: Path, caplog) -> None:
    write_po(tmp_path, "ar", 'msgid "Hi {name}"\nmsgstr "مرحبا {nom}"\n')
    t = Catalogs.load(tmp_path).translator("ar")
    with caplog.at_level(logging.WARNING):
        assert t._("Hi {name}", name="Amal") == "Hi Amal"
        assert t._("Hi {name}", name="Bertil") == "Hi Bertil"
    assert len([r for r in caplog.records if "placeholders" in r.getMessage()]) == 1
    assert "Amal" not in caplog.text  # values are never logged


def test_values_in_right_to_left_text_are_isolated(tmp_path: Path) -> None:
    write_po(tmp_path, "ar", 'msgid "Welcome {name}"\nmsgstr "أهلاً {name}"\n')
    catalogs = Catalogs.load(tmp_path)
    assert catalogs.translator("ar")._("Welcome {name}", name="John 2") == f"أهلاً {FSI}John 2{PDI}"
    assert catalogs.translator("en")._("Welcome {name}", name="John") == "Welcome John"


def test_dari_reads_the_persian_catalog_but_formats_as_afghanistan(catalogs: Catalogs) -> None:
    dari = catalogs.translator("prs")
    assert dari.language.catalog == "fa"
    assert str(dari.locale) == "fa_AF"
    assert dari.rtl


def test_dates_are_formatted_in_norsjo_time_and_the_readers_language(catalogs: Catalogs) -> None:
    when = datetime(2026, 7, 1, 16, 0, tzinfo=UTC)  # 18:00 in Stockholm (summer time)
    assert "18:00" in catalogs.translator("sv").datetime(when)
    assert "juli" in catalogs.translator("sv").date(when, "long")
    assert "Juli" in catalogs.translator("de").date(when, "long")


@pytest.mark.parametrize(
    ("stored", "client", "guild", "expected"),
    [
        ("ar", "sv-SE", "sv", "ar"),  # the stored choice wins
        (None, "uk", "sv", "uk"),  # then the client locale, when supported
        (None, "ja", "sv", "sv"),  # unsupported client locale: the guild default
        (None, None, None, "en"),  # nothing: English
        ("xx", "ja", "zz", "en"),
    ],
)
def test_the_one_locale_rule(stored, client, guild, expected) -> None:
    assert resolve_language(stored, client, guild) == expected


def test_every_language_has_a_catalog_and_a_cldr_locale() -> None:
    assert {lang.catalog for lang in LANGUAGES.values()} == set(CATALOGS)


def test_the_catalogs_share_one_copy_of_each_message_id(monkeypatch) -> None:
    """The shared ids change nothing a lookup sees: the same entries as catalogs read each on their own."""
    import bot.core.i18n as i18n

    shared = Catalogs.load()._translations
    monkeypatch.setattr(i18n, "_share_message_ids", lambda translations: None)
    separate = Catalogs.load()._translations
    assert shared.keys() == separate.keys()
    for code in shared:
        assert getattr(shared[code], "_catalog", {}) == getattr(separate[code], "_catalog", {})
    first = {key: key for key in shared["sv"]._catalog}
    assert all(first[key] is key for key in shared["de"]._catalog if key in first)
    assert len(set(shared["de"]._catalog) & set(first)) > 100
