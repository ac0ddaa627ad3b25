"""The member's own words for the listed choices (interests, help topics, times), in any language.

A member types `interests:fotboll`, `interests:كرة القدم, موسيقى` or `help:shaqo`: each is read as a
code of the fixed vocabulary when it is the code itself, the choice's label in any of the bot's
languages (from the catalogs), or one of the everyday words listed below per language. Matching
ignores case, accents and Arabic letter variants. Words that match nothing are refused with the
choices named in the member's language, and nothing is saved.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping

from bot.core.errors import Msg, UserError, Verbatim
from bot.core.i18n import N_, Translator

#: Everyday words per code (all languages together; the labels themselves come from the catalogs).
ALIASES: dict[str, tuple[str, ...]] = {
    # interests
    "football": ("fotboll", "كرة القدم", "كرة قدم", "فوتبول", "kubbadda cagta", "kubada cagta", "kubbad cagta",
                 "ኩዕሶ እግሪ", "ኩዕሶ", "فوتبال", "футбол", "fußball", "voetbal", "फुटबॉल", "soccer"),
    "sports": ("sport", "idrott", "träning", "رياضة", "ciyaar", "jimicsi", "ስፖርት", "ورزش", "спорт", "व्यायाम",
               "exercise", "gym"),
    "skiing": ("skidor", "skidåkning", "تزلج", "ስኪ", "اسکی", "лижі", "ski", "skifahren", "skiën", "स्कीइंग"),
    "nature": ("natur", "vandring", "طبيعة", "المشي", "dabeecadda", "socod", "ተፈጥሮ", "طبیعت", "کوهنوردی",
               "природа", "походи", "wandern", "natuur", "wandelen", "प्रकृति", "hiking", "walking"),
    "fishing": ("fiske", "jakt", "صيد السمك", "صيد", "kalluumaysi", "ugaadhsi", "ماهیگیری", "риболовля",
                "полювання", "angeln", "jagd", "vissen", "jagen", "मछली पकड़ना", "hunting"),
    "cooking": ("matlagning", "laga mat", "طبخ", "الطبخ", "cunto karis", "karinta cuntada", "ምስንዳእ መግቢ",
                "آشپزی", "кулінарія", "готування", "kochen", "koken", "खाना बनाना", "food"),
    "music": ("musik", "موسيقى", "موسيقا", "muusig", "muusiko", "ሙዚቃ", "موسیقی", "музика", "muziek", "संगीत"),
    "crafts": ("hantverk", "slöjd", "حرف يدوية", "أشغال يدوية", "farshaxan", "صنایع دستی", "рукоділля",
               "handwerk", "basteln", "knutselen", "शिल्प"),
    "reading": ("läsning", "läsa", "böcker", "قراءة", "القراءة", "كتب", "akhris", "buugaag", "ንባብ", "مطالعه",
                "читання", "книги", "lesen", "bücher", "lezen", "boeken", "पढ़ना", "books"),
    "games": ("spel", "ألعاب", "ciyaaro", "ጸወታታት", "بازی", "ігри", "spiele", "spellen", "spelletjes"),
    "cars": ("bilar", "motorer", "سيارات", "baabuur", "gaadiid", "መካይን", "ماشین", "خودرو", "автомобілі",
             "машини", "autos", "auto's", "कारें"),
    "children": ("barn", "أطفال", "carruur", "ቆልዑ", "کودکان", "діти", "kinder", "kinderen", "बच्चे", "kids"),
    # help topics
    "work": ("arbete", "jobb", "عمل", "وظيفة", "شغل", "shaqo", "ስራሕ", "کار", "робота", "arbeit", "job", "werk",
             "baan", "काम", "नौकरी", "jobs"),
    "housing": ("boende", "bostad", "lägenhet", "سكن", "شقة", "guri", "hoy", "ገዛ", "መንበሪ", "مسکن", "خانه",
                "житло", "wohnung", "wohnen", "wonen", "woning", "आवास", "घर", "home", "flat", "apartment"),
    "swedish": ("svenska", "السويدية", "اللغة السويدية", "iswiidhish", "af iswiidhish", "ሽወደንኛ", "سوئدی",
                "шведська", "schwedisch", "zweeds", "स्वीडिश", "sfi"),
    "school": ("skola", "förskola", "مدرسة", "روضة", "iskuul", "dugsi", "ቤት ትምህርቲ", "مدرسه", "школа", "schule",
               "kita", "स्कूल"),
    "healthcare": ("vård", "sjukvård", "صحة", "رعاية صحية", "طبيب", "caafimaad", "ጥዕና", "بهداشت", "درمان",
                   "медицина", "gesundheit", "arzt", "zorg", "gezondheid", "स्वास्थ्य", "health", "doctor"),
    "everyday": ("vardag", "الحياة اليومية", "nolol maalmeed", "ዕለታዊ ህይወት", "زندگی روزمره", "повсякдення",
                 "alltag", "dagelijks leven", "रोज़मर्रा"),
    "social": ("träffa folk", "gemenskap", "تعارف", "أصدقاء", "saaxiibo", "آشنایی", "знайомства", "leute treffen",
               "mensen ontmoeten", "लोगों से मिलना", "friends"),
    "wood_industry": ("träindustri", "skog", "sågverk", "صناعة الخشب", "warshadaha alwaaxda", "holzindustrie",
                      "houtindustrie", "wood", "forestry"),
    "paperwork": ("papper", "blanketter", "أوراق", "معاملات", "waraaqo", "مدارک", "документи", "formulare",
                  "papierkram", "papierwerk", "formulieren", "forms"),
    "family": ("familj", "عائلة", "أسرة", "qoys", "ስድራ", "خانواده", "сім'я", "родина", "familie", "gezin",
               "परिवार"),
    "outdoor": ("friluftsliv", "الأنشطة الخارجية", "فضای باز", "активний відпочинок", "draußen", "buitenleven",
                "outdoors"),
    # availability
    "weekdays": ("vardagar", "dagtid", "أيام الأسبوع", "نهارا", "maalmaha shaqada", "መዓልቲ ስራሕ", "روزهای کاری",
                 "будні", "wochentags", "werktags", "doordeweeks", "सप्ताह के दिन", "daytime"),
    "evenings": ("kvällar", "kväll", "مساء", "المساء", "fiidkii", "habeenno", "ምሸት", "عصرها", "вечори", "вечір",
                 "abends", "avonds", "'s avonds", "शाम", "evening"),
    "weekends": ("helger", "helg", "عطلة نهاية الأسبوع", "الويكند", "dhammaadka toddobaadka", "ቀዳመ ሰንበት",
                 "آخر هفته", "вихідні", "wochenende", "weekend", "सप्ताहांत"),
}

#: Separators between the items of a list, in the scripts members use.
_SEPARATORS = re.compile(r"[,;،؛、/|\n]+")
#: Words a list may join items with ("football and music"); ignored between matched items.
_JOINERS = frozenset({"and", "och", "und", "en", "iyo", "و", "и", "і", "та", "और", "ን", "ከምኡ", "y", "og"})
#: The longest phrase tried as one item, in words.
_LONGEST = 6


def fold(text: str) -> str:
    """Text for matching: case, accents and Arabic letter variants folded, spaces single."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c) and c != "\u0640")  # and the tatweel
    text = text.replace("ة", "ه").replace("ى", "ي").replace("ـ", "")
    return " ".join(text.replace("_", " ").split())


class Vocabulary:
    """One list of choices (codes) and every way a member may write each of them."""

    def __init__(self, codes: Iterable[str], labels: Mapping[str, str],
                 translators: Iterable[Translator]) -> None:
        self.codes = tuple(codes)
        self.labels = dict(labels)
        index: dict[str, str] = {}

        def add(phrase: str, code: str) -> None:
            key = fold(phrase)
            if key:
                index.setdefault(key, code)

        for code in self.codes:
            add(code, code)
        for code in self.codes:
            for alias in ALIASES.get(code, ()):
                add(alias, code)
        for t in translators:
            for code in self.codes:
                if code in self.labels:
                    add(t._(self.labels[code]), code)
        self._index = index

    def read(self, text: str | None, what: str, t: Translator) -> tuple[str, ...]:
        """The codes a member's words name (order kept, no repeats); a polite refusal naming the choices."""
        if not text:
            return ()
        found: list[str] = []
        unknown: list[str] = []
        for chunk in _SEPARATORS.split(text):
            words = fold(chunk).split()
            position = 0
            while position < len(words):
                for size in range(min(_LONGEST, len(words) - position), 0, -1):
                    code = self._index.get(" ".join(words[position:position + size]))
                    if code is not None:
                        if code not in found:
                            found.append(code)
                        position += size
                        break
                else:
                    word = words[position]
                    if word.startswith("و") and len(word) > 2 and word not in self._index:
                        words[position] = word[1:]  # Arabic joins "and" to the next word
                        continue
                    if word not in _JOINERS:
                        unknown.append(word)
                    position += 1
        if unknown:
            shown = [t._(self.labels[c]) if c in self.labels else c for c in self.codes]
            raise UserError(N_("“{value}” is not one of the choices for {what}. You can write: {choices}."),
                            value=" ".join(unknown), what=Msg(what), choices=Verbatim(t.join(shown)))
        return tuple(found)


def vocabulary_of(codes: Iterable[str], label: Callable[[str], str | None],
                  translators: Iterable[Translator]) -> Vocabulary:
    """A vocabulary whose labels are msgids (`label(code)`), read in every given language."""
    codes = tuple(codes)
    labels = {c: found for c in codes if (found := label(c)) is not None}
    return Vocabulary(codes, labels, list(translators))
