"""Each catalog speaks to its reader in one form of address, with its own punctuation, and names
commands as its msgid or the reader's client does (docs/TRANSLATION-NOTES.md has the choices).

The patterns are kept narrow on purpose: each one matches only words that can be nothing but the
other form (German "Sie" in the middle of a sentence, not "Sie" = "they" at its start; the Tigrinya
singular suffixes, not every word that ends in the same letter), so a failure is a real slip.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.core.languages import CATALOGS
from bot.i18n_tools import NAME_CONTEXT, load_catalog

# A German word after a lower-case word or a comma is not at the start of a sentence.
_DE_MID = r"(?<=[a-zäöüß,;] )"
# Ethiopic syllables (the Tigrinya letters), without the Ethiopic punctuation and numerals.
_ETH = "\u1200-\u135a"

#: catalog -> (pattern, what it catches). Every msgstr of the catalog must match none of them.
OTHER_FORMS: dict[str, list[tuple[str, str]]] = {
    "de": [
        (r"\bIhnen\b", "formal 'Ihnen' (du: dir/dich)"),
        (_DE_MID + r"Sie\b", "formal 'Sie' inside a sentence (du)"),
        (_DE_MID + r"Ihr(?:e[mnrs]?)?\b", "formal 'Ihr/Ihre' inside a sentence (du: dein/deine)"),
        (_DE_MID + r"(?:Du|Dich|Dir|Dein(?:e[mnrs]?)?|Euch|Euer|Eure[mnrs]?)\b",
         "'du' capitalised inside a sentence (only at its start)"),
    ],
    "nl": [
        (r"(?<!\d )\b[Uu]w?\b", "formal 'u/uw' (je/jij/jouw)"),
    ],
    "ti": [
        (r"በጃኻ|በጃኺ", "singular 'please' (በጃኹም)"),
        # Second person singular: possessive and object suffixes, verb endings (ቋንቋኻ, ኢኻ, የብልካን,
        # ዝሃብካዮ; not ብዘይካ, "except"). The respectful plural writes -ኩም/-ኹም.
        (rf"[{_ETH}]+(?<!ብዘይ)(?:ካ|ኻ)(?:ን|ሉ|ዮ|ዮም|ሎም|ና)?(?![{_ETH}])", "second person singular (masculine)"),
        # The feminine suffix -ኪ/-ኺ also ends ordinary words (ባንኪ, ስኪ, ተወሳኺ): only the pronoun forms.
        (rf"(?<![{_ETH}])(?:ንዓኺ|ናትኪ|ምሳኺ|ኢኺ|ኣለኺ|የብልክን|ቋንቋኺ|ስምኪ|ሕቶኺ)(?![{_ETH}])",
         "second person singular (feminine)"),
        # A singular imperative that ends a sentence (button labels, "ጀምር", "ሰርዝ", stay short).
        (rf"(?<![{_ETH}])(?:ምረጽ|ጽሓፍ|ጽሓፎ|ጠውቕ|ተጠቐም|ሕተት|ፈትን|ርአ|ቀይር|ኣረጋግጽ|ክፈቶ|ንገር|ኣጽድቕ|ኣልግስ|ንጸግ|ኣቋርጽ|ውሰድ|ወድእ)[።፣፡]",
         "singular imperative in a sentence (ምረጹ, ጽሓፉ, ጠውቑ, ተጠቐሙ)"),
    ],
    "uk": [
        (r"(?i)\b(?:ти|тебе|тобі|тобою|твій|твоя|твоє|твої|твого|твоєї|твоїх|твоїм|твоїми|твою|твоєму)\b",
         "informal 'ти' (ви)"),
        (r"(?i)\b(?:можеш|маєш|хочеш|напиши|вибери|обери|натисни|спробуй|скористайся)\b",
         "informal verb form (ви)"),
        (r"(?i)\b\w{3,}(?:єшся|ешся|ишся|їшся)\b", "informal reflexive verb (ви: скористаєтеся)"),
    ],
    "ar": [
        (r"\b(?:حضرتك|حضرتكم|سيادتك|سيادتكم|أنتم|أنتن)\b", "formal or plural 'you' (the singular أنت/ـك)"),
        (r"\b(?:يمكنكم|لديكم|عليكم|من فضلكم|منكم)\b", "plural 'you' (the singular يمكنك/لديك/من فضلك)"),
    ],
    "fa": [
        (r"(?<!\S)(?:تو|تورا|بهت|ازت|برات|برایت|نشانت)(?!\S)", "informal 'تو' (شما: برایتان)"),
        (r"(?<!\S)(?:می‌کنی|می‌توانی|نمی‌توانی|می‌خواهی|هستی|داری|نداری)(?!\S)", "informal verb form (شما: -ید)"),
    ],
    "so": [
        # One reader: "fadlan" is followed by the singular imperative (dooro, qor, riix, hubi, sug).
        (r"\b[Ff]adlan (?:doorta|qora|riixa|hubiya|suga|isticmaala|sheega)\b", "plural imperative after 'fadlan'"),
    ],
    "hi": [
        (r"(?<!\S)(?:तुम|तुम्हें|तुम्हारा|तुम्हारी|तुम्हारे|तू|तुझे|तेरा|तेरी|तेरे)(?!\S)", "informal 'तुम/तू' (आप)"),
    ],
}

#: Right-to-left catalogs write the Arabic comma, semicolon and question mark next to their own letters.
LATIN_PUNCTUATION = {
    code: re.compile(r"[\u0600-\u06ff]\s*[,;?]|[,;?]\s*[\u0600-\u06ff]") for code in ("ar", "fa")
}


def _strings(code: str) -> Iterator[tuple[str, str]]:
    """(msgid, msgstr) for every translated string of a catalog, plural forms included."""
    for message in load_catalog(code):
        if not message.id or message.context == NAME_CONTEXT:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        for string in strings:
            if string:
                yield msgid, string


@pytest.mark.parametrize("code", sorted(OTHER_FORMS))
def test_every_string_uses_the_catalogs_form_of_address(code: str) -> None:
    slips = [
        f"{what}: {match.group(0)!r} in {msgid[:60]!r}"
        for msgid, string in _strings(code)
        for pattern, what in OTHER_FORMS[code]
        for match in [re.search(pattern, string)]
        if match
    ]
    assert slips == [], f"{code}: {len(slips)} strings use the other form, e.g. {slips[:5]}"


STARTER = Path(__file__).resolve().parents[1] / "bot" / "features" / "faq" / "starter" / "norsjo.yaml"


@pytest.mark.parametrize("code", sorted(OTHER_FORMS))
def test_the_faq_starter_answers_use_the_same_form(code: str) -> None:
    # A German reader whose interface says "du" should not read the answers in "Sie".
    entries = yaml.safe_load(STARTER.read_text(encoding="utf-8"))["entries"]
    languages = ("fa", "prs") if code == "fa" else (code,)  # Dari has its own starter texts
    slips = [
        f"{entry['slug']} ({language}): {what}: {match.group(0)!r}"
        for entry in entries
        for language in languages
        for field in ("question", "answer")
        for pattern, what in OTHER_FORMS[code]
        for match in [re.search(pattern, str((entry["texts"].get(language) or {}).get(field, "")))]
        if match
    ]
    assert slips == [], f"{code}: {slips[:5]}"


@pytest.mark.parametrize(("code", "wrong", "right"), [
    ("de", "Bitte wählen Sie eine der Kategorien.", "Sie lesen sie; morgen kannst du weitere schicken."),
    ("de", "Was möchten Sie wissen?", "Ihr könnt das Mentoring jederzeit beenden."),
    ("de", "Antworten in Ihrer Sprache", "Danke euch beiden! Wie geht es dir?"),
    ("de", "Hier kannst Du wählen.", "Du kannst wählen."),
    ("nl", "uw deel van de gemeente", "je deel van de gemeente, om 18 u"),
    ("ti", "በጃኻ ምረጽ።", "በጃኹም ምረጹ።"),
    ("ti", "ቋንቋኻ", "ቋንቋኹም"),
    ("ti", "ዝስሓብ መግለጺ የብልካን።", "ዝስሓብ መግለጺ የብልኩምን።"),
    ("ti", "ቋንቋኺ", "ስኪ ተወሳኺ ብዘይካ'ዚ ባንኪ"),
    ("ti", "ቅድም /mentor volunteer ተጠቐም።", "ቅድም /mentor volunteer ተጠቐሙ።"),
    ("uk", "Ти можеш вибрати мову.", "Ви можете вибрати мову."),
    ("uk", "коли наступного разу скористаєшся ботом", "коли ви наступного разу скористаєтеся ботом"),
    ("fa", "پیام‌هایی که برایت نگه داشته شده", "پیام‌هایی که برایتان نگه داشته شده"),
    ("ar", "من فضلكم اختاروا", "من فضلك اختر"),
    ("fa", "تو می‌توانی", "شما می‌توانید"),
    ("so", "Fadlan doorta luqad.", "Fadlan dooro luqad."),
    ("hi", "तुम चुनो", "आप चुनें"),
])
def test_the_form_patterns_catch_the_other_form_and_only_it(code: str, wrong: str, right: str) -> None:
    assert any(re.search(pattern, wrong) for pattern, _ in OTHER_FORMS[code]), wrong
    assert not any(re.search(pattern, right) for pattern, _ in OTHER_FORMS[code]), right


@pytest.mark.parametrize("code", sorted(LATIN_PUNCTUATION))
def test_right_to_left_catalogs_use_their_own_punctuation(code: str) -> None:
    latin = [msgid[:60] for msgid, string in _strings(code) if LATIN_PUNCTUATION[code].search(string)]
    assert latin == [], f"{code}: Latin , ; ? next to Arabic letters in {latin[:5]}"
    assert LATIN_PUNCTUATION[code].search("العربية; يستطيع") and not LATIN_PUNCTUATION[code].search("العربية؛ يستطيع")


def _command_paths(payload: list[dict]) -> set[str]:
    paths: set[str] = set()

    def walk(items: list[dict], where: str) -> None:
        for item in items:
            path = f"{where} {item['name']}".strip()
            paths.add(path)
            walk([o for o in item.get("options") or [] if o.get("type") in (1, 2)], path)

    walk(payload, "")
    return paths


def _named_commands(text: str, paths: set[str]) -> list[str]:
    """The command paths a text names as "/top sub", longest known path first."""
    tops = sorted({p.split()[0] for p in paths}, key=len, reverse=True)
    found = []
    for match in re.finditer(r"/(" + "|".join(map(re.escape, tops)) + r")((?: [a-z_]+)*)", text):
        words = (match[1] + match[2]).split()
        while " ".join(words) not in paths:
            words.pop()
        found.append(" ".join(words))
    return found


@pytest.mark.parametrize("code", [c for c in CATALOGS if c != "en"])
def test_texts_name_commands_as_the_msgid_or_the_readers_client_does(command_payload, code: str) -> None:
    # A text may keep the msgid's "/mentor end" or write the name this catalog gives the command
    # (what a client in this language shows, "/välkommen starta"), never a third spelling.
    paths = _command_paths(command_payload)
    catalog = load_catalog(code)

    def localized(path: str) -> str:
        names = []
        for word in path.split():
            entry = catalog.get(word, NAME_CONTEXT)
            names.append(entry.string if entry is not None and entry.string else word)
        return "/" + " ".join(names)

    wrong = []
    for msgid, string in _strings(code):
        for path in _named_commands(msgid, paths):
            if f"/{path}" not in string and localized(path) not in string:
                wrong.append(f"{msgid[:50]!r}: /{path}")
    assert wrong == [], f"{code}: {wrong[:5]}"
