"""Translations and locale-aware formatting.

Catalogs are gettext `.po` files under `locales/<catalog>/LC_MESSAGES/`. They are read once at
start (Babel's `read_po`, compiled in memory) so translators can edit a `.po` and restart without a
build step. A missing or broken catalog never crashes the bot: the affected messages fall back to
English and the problem is logged once.

Code marks strings with `t._("...")`, `t.n_("one", "many", n)`, `t.p_("context", "...")` on a
`Translator`, or `N_("...")` for module-level constants translated later. Placeholders use
`{name}` and are filled by the translator, so every catalog can reorder them.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time, format_timedelta
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from bot.core.languages import CATALOGS, FALLBACK_LANGUAGE, LANGUAGES, Language

log = logging.getLogger(__name__)

DEFAULT_LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"

# Unicode isolates: FSI ... PDI keeps an embedded run (a Latin name, a link, a number) from
# scrambling the surrounding right-to-left sentence, without forcing a direction on the message.
FSI = "\u2068"
PDI = "\u2069"
_PLACEHOLDER_RE = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)}")


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction without translating it now."""
    return message


def placeholders(message: str) -> set[str]:
    """The `{name}` placeholders of a message."""
    return set(_PLACEHOLDER_RE.findall(message))


class Catalogs:
    """All translations, loaded once."""

    def __init__(self, translations: dict[str, NullTranslations], problems: list[str]) -> None:
        self._translations = translations
        self.problems = problems
        self._reported: set[tuple[str, str]] = set()
        self._translators: dict[str, Translator] = {}

    @classmethod
    def load(cls, locales_dir: Path = DEFAULT_LOCALES_DIR) -> Catalogs:
        """Read every catalog; broken or missing ones are reported in `problems`, never raised."""
        translations: dict[str, NullTranslations] = {}
        problems: list[str] = []
        for catalog in CATALOGS:
            folder = locales_dir / catalog / "LC_MESSAGES"
            po_files = sorted(folder.glob("*.po")) if folder.is_dir() else []
            merged: NullTranslations | None = None
            for po_path in po_files:
                try:
                    with po_path.open("rb") as fh:
                        parsed = read_po(fh, locale=catalog, abort_invalid=True)
                    buffer = io.BytesIO()
                    write_mo(buffer, parsed)
                    buffer.seek(0)
                    loaded = Translations(fp=buffer)
                except Exception as exc:  # a broken file must not take the bot down
                    problems.append(f"{po_path}: {exc}")
                    log.warning("catalog %s is unreadable and is skipped: %s", po_path, type(exc).__name__)
                    continue
                if merged is None:
                    merged = loaded
                else:
                    merged.merge(loaded)  # type: ignore[attr-defined]
            if merged is None:
                if catalog != FALLBACK_LANGUAGE:
                    problems.append(f"{folder}: no catalog")
                merged = NullTranslations()
            translations[catalog] = merged
        return cls(translations, problems)

    def translator(self, language: str, zone: ZoneInfo | str = "Europe/Stockholm") -> Translator:
        """The translator for one of our language codes (unknown codes get English)."""
        zone_name = zone if isinstance(zone, str) else zone.key
        cache_key = f"{language}|{zone_name}"
        found = self._translators.get(cache_key)
        if found is None:
            lang = LANGUAGES.get(language, LANGUAGES[FALLBACK_LANGUAGE])
            trans = self._translations.get(lang.catalog, NullTranslations())
            found = Translator(lang, trans, ZoneInfo(zone_name), self)
            self._translators[cache_key] = found
        return found

    def report_once(self, language: str, message: str, problem: str) -> None:
        """Log a translation problem once per language and message (never the message's values)."""
        key = (language, message)
        if key in self._reported:
            return
        self._reported.add(key)
        log.warning("translation problem in %s (%s) for msgid %r; using English", language, problem, message[:60])

    def raw(self, catalog: str) -> NullTranslations:
        """The underlying translations of one catalog (for tools and the command translator)."""
        return self._translations.get(catalog, NullTranslations())


@dataclass(frozen=True, slots=True)
class Translator:
    """Translation and formatting for one language; pass it to whatever renders text for a member."""

    language: Language
    _trans: NullTranslations
    zone: ZoneInfo
    _catalogs: Catalogs

    @property
    def code(self) -> str:
        """Our language code (e.g. `prs` for Dari)."""
        return self.language.code

    @property
    def locale(self) -> Locale:
        """The CLDR locale used for formatting."""
        return Locale.parse(self.language.cldr)

    @property
    def rtl(self) -> bool:
        """Whether the language is written right to left."""
        return self.language.rtl

    def isolate(self, value: object) -> str:
        """Wrap an embedded value in Unicode isolates in right-to-left languages."""
        text = str(value)
        if not self.rtl or not text:
            return text
        return f"{FSI}{text}{PDI}"

    def _fill(self, translated: str, original: str, values: dict[str, object]) -> str:
        if not values:
            return translated
        shown = {key: self.isolate(val) for key, val in values.items()}
        try:
            return translated.format_map(shown)
        except (KeyError, IndexError, ValueError):
            self._catalogs.report_once(self.code, original, "placeholders differ")
            return original.format_map({key: str(val) for key, val in values.items()})

    def _(self, message: str, /, **values: object) -> str:
        """Translate `message` and fill its `{placeholders}`."""
        translated = self._trans.gettext(message) if message else message
        return self._fill(translated, message, values)

    def n_(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        """Translate with the language's plural rule; `{n}` is available as a placeholder."""
        translated = self._trans.ngettext(singular, plural, n)
        values.setdefault("n", self.number(n))
        return self._fill(translated, singular if n == 1 else plural, values)

    def p_(self, context: str, message: str, /, **values: object) -> str:
        """Translate a message that has a context (msgctxt)."""
        translated = self._trans.pgettext(context, message)
        return self._fill(translated, message, values)

    def has(self, message: str) -> bool:
        """Whether this catalog has its own translation of `message`."""
        return self._trans.gettext(message) != message or self.language.catalog == "en"

    # Formatting through Babel, in the configured zone.
    def datetime(self, value: datetime, fmt: str = "medium") -> str:
        """A date and time in the member's language and the configured zone."""
        return format_datetime(value.astimezone(self.zone), format=fmt, locale=self.language.cldr)

    def date(self, value: date | datetime, fmt: str = "medium") -> str:
        """A date in the member's language."""
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return format_date(value, format=fmt, locale=self.language.cldr)

    def time(self, value: time | datetime, fmt: str = "short") -> str:
        """A clock time in the member's language (and the configured zone for datetimes)."""
        if isinstance(value, datetime):
            value = value.astimezone(self.zone)
        return format_time(value, format=fmt, locale=self.language.cldr)

    def duration(self, value: timedelta) -> str:
        """A duration such as "2 days" in the member's language."""
        return format_timedelta(value, locale=self.language.cldr, threshold=1.2)

    def number(self, value: float) -> str:
        """A number with the language's digits and separators."""
        return format_decimal(value, locale=self.language.cldr)

    def join(self, items: Iterable[str], style: str = "standard") -> str:
        """"a, b and c" in the member's language."""
        return format_list(list(items), style=style, locale=self.language.cldr)
