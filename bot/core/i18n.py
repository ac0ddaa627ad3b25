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
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_interval, format_time, format_timedelta
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


#: A language's own list comma and semicolon where it does not use the Latin ones (by CLDR language).
#: Arabic and Persian write "،" and "؛"; Ge'ez script (Tigrinya) writes "፣" and "፤".
PUNCTUATION: dict[str, tuple[str, str]] = {"ar": ("،", "؛"), "fa": ("،", "؛"), "ti": ("፣", "፤")}
_LATIN_PUNCTUATION = (",", ";")

#: CLDR list styles: "standard" (a, b and c), "or" (a, b or c), "unit" (a, b, c: measures, codes).
LIST_STYLES = ("standard", "or", "unit")
# CLDR's own fallbacks between styles (root.xml aliases); the last resort is root's "{0}, {1}".
_STYLE_CHAIN = {"standard": ("standard",), "or": ("or", "standard"), "unit": ("unit", "unit-short", "standard")}
_PATTERN_KEYS = ("start", "middle", "end", "2")
# When an item itself holds the list's "and" ("work and the job track"), a plain "a and b" cannot be
# read; these languages have a word for exactly that case (Tigrinya's "-ን ... -ን" would double on an item
# that ends in it), the others set their comma before the last conjunction ("work and the job track, and
# housing"; "العمل ومسار التوظيف، والسكن").
_CLEAR_AND = {"sv": "{0} samt {1}", "de": "{0} sowie {1}", "ti": "{0}፣ ከምኡውን {1}"}


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction without translating it now."""
    return message


def placeholders(message: str) -> set[str]:
    """The `{name}` placeholders of a message."""
    return set(_PLACEHOLDER_RE.findall(message))


class Joined(str):
    """A list already joined for its reader (its items isolated one by one where that is needed)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True, init=False)
class Items:
    """A list as a placeholder value, joined in the reader's language when the message is shown.

    `UserError(N_("Choose from: {choices}."), choices=Items(codes, style="or"))` reads "a, b or c" in
    English, "a, b eller c" in Swedish, "a أو b أو c" in Arabic. `translate=True` translates each item
    as a msgid first; numbers are written with the reader's digits.
    """

    values: tuple[object, ...]
    style: str = "standard"
    translate: bool = False

    def __init__(self, values: Iterable[object], style: str = "standard", *, translate: bool = False) -> None:
        if style not in LIST_STYLES:
            raise ValueError(f"unknown list style {style!r}")
        object.__setattr__(self, "values", tuple(values))
        object.__setattr__(self, "style", style)
        object.__setattr__(self, "translate", translate)


def _has_left_to_right_letter(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) == "L" for ch in text)


def _conjunction(pattern: str) -> str:
    """What a pattern puts between its two items ("{0} and {1}" -> " and ")."""
    return pattern.split("{0}", 1)[-1].split("{1}", 1)[0]


def _with_comma(pattern: str, comma: str) -> str:
    """The pattern with the language's comma before its conjunction (after it when it is a suffix)."""
    between = _conjunction(pattern)
    if comma in between or not between.strip():
        return pattern
    # A word or a prefix ("{0} and {1}", "{0} و{1}") takes the comma before it; a suffix on each item
    # (Tigrinya "{0}ን {1}ን") after it.
    clear = comma + between if between[0].isspace() else between.rstrip() + comma + " "
    return pattern.replace(between, clear, 1)


def list_patterns(locale: Locale, style: str = "standard") -> dict[str, str]:
    """CLDR's list patterns of a locale, every key filled (Babel's own lookup fails on some styles of
    some locales, e.g. "unit" in Swedish, whose data holds only some of the keys)."""
    found: dict[str, str] = {}
    for key in _PATTERN_KEYS:
        for name in _STYLE_CHAIN.get(style, (style, "standard")):
            patterns = locale.list_patterns.get(name)
            if patterns is not None and key in patterns:
                found[key] = patterns[key]
                break
        else:
            found[key] = "{0}, {1}"
    return found


def format_items(items: list[str], style: str, locale: Locale) -> str:
    """Join items with the locale's CLDR list patterns; when an item holds the conjunction itself, the
    last one is set apart so the reader sees where one item ends."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    patterns = list_patterns(locale, style)
    last_key = "2" if len(items) == 2 else "end"
    last = patterns[last_key]
    between = _conjunction(last)
    if between.strip() and any(between in f" {item} " for item in items):
        clear = _CLEAR_AND.get(locale.language) if style == "standard" else None
        comma = PUNCTUATION.get(locale.language, _LATIN_PUNCTUATION)[0]
        last = clear or _with_comma(last, comma)
    if len(items) == 2:
        return last.format(*items)
    result = patterns["start"].format(items[0], items[1])
    for item in items[2:-1]:
        result = patterns["middle"].format(result, item)
    return last.format(result, items[-1])


def _share_message_ids(translations: Iterable[NullTranslations]) -> None:
    """One copy of each message id for all catalogs (each `.po` read gives its own copy of every id).

    gettext keeps a catalog as a dict from message id to translation; ten languages held the same
    English ids ten times over. The lookups are unchanged (equal keys, equal hashes).
    """
    shared: dict[Any, Any] = {}
    for translation in translations:
        catalog = getattr(translation, "_catalog", None)
        if catalog:
            translation._catalog = {shared.setdefault(key, key): text  # type: ignore[attr-defined]
                                    for key, text in catalog.items()}


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
        _share_message_ids(translations.values())
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
        """Wrap an embedded value in Unicode isolates in right-to-left languages (a list joined by
        `join` is already isolated item by item, so its separators stay in the sentence's direction)."""
        text = str(value)
        if not self.rtl or not text or isinstance(value, Joined):
            return text
        return f"{FSI}{text}{PDI}"

    def _shown(self, value: object) -> object:
        if not isinstance(value, Items):
            return value
        return self.join((self._item(item, value.translate) for item in value.values), value.style)

    def _item(self, value: object, translate: bool) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self.number(value)
        if translate and isinstance(value, str):
            return self._(value)
        return str(value)

    def _fill(self, translated: str, original: str, values: dict[str, object]) -> str:
        if not values:
            return translated
        values = {key: self._shown(val) for key, val in values.items()}
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

    def time_range(self, start: datetime, end: datetime) -> str:
        """Two clock times as the language writes a range ("18:30–20:00", Persian "18:30 تا 20:00",
        Arabic "6:30–8:00 م"), in the configured zone and the language's 12- or 24-hour clock."""
        short = str(getattr(self.locale.time_formats["short"], "pattern", self.locale.time_formats["short"]))
        skeleton = "hm" if "h" in short else "Hm"
        return format_interval(start.astimezone(self.zone), end.astimezone(self.zone), skeleton,
                               locale=self.language.cldr)

    def when(self, start: datetime, end: datetime | None = None, date_fmt: str = "full") -> str:
        """A date with its clock time (or time range), joined the way the language joins them (CLDR's
        date-time pattern): "torsdag 3 december 2026 18:30–20:00", "الخميس، 3 ديسمبر 2026، 6:30–8:00 م"."""
        times = self.time(start) if end is None else self.time_range(start, end)
        pattern = str(self.locale.datetime_formats.get(date_fmt) or "{1} {0}")
        return pattern.replace("{1}", self.date(start, date_fmt)).replace("{0}", times)

    def duration(self, value: timedelta) -> str:
        """A duration such as "2 days" in the member's language."""
        return format_timedelta(value, locale=self.language.cldr, threshold=1.2)

    def number(self, value: float) -> str:
        """A number with the language's digits and separators."""
        return format_decimal(value, locale=self.language.cldr)

    @property
    def comma(self) -> str:
        """The language's list comma ("،" in Arabic and Persian, "፣" in Tigrinya, else ",")."""
        return PUNCTUATION.get(self.locale.language, _LATIN_PUNCTUATION)[0]

    @property
    def semicolon(self) -> str:
        """The language's semicolon ("؛" in Arabic and Persian, "፤" in Tigrinya, else ";")."""
        return PUNCTUATION.get(self.locale.language, _LATIN_PUNCTUATION)[1]

    def join(self, items: Iterable[str], style: str = "standard") -> Joined:
        """A list in the member's language with CLDR's patterns: "a, b och c" (sv), "a وb وc" (ar);
        `style` "or" for alternatives ("a, b eller c"), "unit" for a plain enumeration of codes or
        measures. In right-to-left languages each left-to-right item is isolated on its own."""
        shown = [self.isolate(item) if self.rtl and _has_left_to_right_letter(item) else item for item in items]
        return Joined(format_items(shown, style, self.locale))

    def clauses(self, parts: Iterable[str]) -> Joined:
        """Independent phrases in one line, separated by the language's semicolon ("a; b", "a؛ b")."""
        return Joined(f"{self.semicolon} ".join(part for part in parts if part))
