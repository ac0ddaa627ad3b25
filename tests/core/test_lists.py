"""Lists and joined phrases read the way the member's language writes them: CLDR's list patterns
("a, b och c", "a وb وc"), the language's own comma and semicolon, and no list that hides where one
item ends ("arbete och jobbspåret och boende")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import UserError
from bot.core.i18n import FSI, PDI, Catalogs, Items
from bot.edge.errors import render_user_error
from bot.simulator import Simulator
from tests.helpers import create, organizer


def test_a_swedish_reader_sees_a_comma_and_och(catalogs: Catalogs) -> None:
    t = catalogs.translator("sv")
    assert t.join(["svenska", "arabiska", "tigrinja"]) == "svenska, arabiska och tigrinja"
    assert t.join(["svenska", "arabiska"]) == "svenska och arabiska"
    assert t.join(["fotboll", "musik", "skidor"], "or") == "fotboll, musik eller skidor"
    assert t.join(["svenska"]) == "svenska" and t.join([]) == ""


def test_an_arabic_reader_sees_wa_and_the_arabic_comma_and_semicolon(catalogs: Catalogs) -> None:
    t = catalogs.translator("ar")
    assert t.join(["العربية", "الصومالية", "التغرينية"]) == "العربية والصومالية والتغرينية"
    assert t.join(["العربية", "الصومالية"], "or") == "العربية أو الصومالية"
    assert t.clauses(["كلاكما يتحدث العربية", "يستطيع المساعدة في السكن"]) == (
        "كلاكما يتحدث العربية؛ يستطيع المساعدة في السكن")
    assert t.comma == "،" and t.semicolon == "؛"
    # Dari and Persian write the same marks; Tigrinya its Ethiopic ones.
    assert catalogs.translator("prs").clauses(["a", "b"]) == "a؛ b"
    assert catalogs.translator("ti").join(["a", "b", "c"]).startswith("a፣ b")
    assert catalogs.translator("ti").clauses(["a", "b"]) == "a፤ b"


def test_an_item_that_holds_and_is_set_apart(catalogs: Catalogs) -> None:
    def topics(code: str) -> str:
        t = catalogs.translator(code)
        return t.join([t._("work and the job track"), t._("housing")])

    assert topics("sv") == "arbete och jobbspåret samt boende"
    assert topics("en") == "work and the job track, and housing"
    assert topics("ar") == "العمل ومسار التوظيف، والسكن"
    assert topics("de") == "Arbeit und Jobeinstieg sowie Wohnen"
    assert topics("so") == "shaqo iyo jidka shaqada, iyo guri"
    # Tigrinya's "-ን ... -ን" would double on "ስራሕን መንገዲ ስራሕን": "ከምኡውን" (and also) instead.
    assert topics("ti") == "ስራሕን መንገዲ ስራሕን፣ ከምኡውን መንበሪ ገዛ"
    # Plain items keep CLDR's pattern.
    t = catalogs.translator("sv")
    assert t.join([t._("housing"), t._("Swedish practice")]) == "boende och att öva svenska"


@pytest.mark.parametrize("code", ["sv", "en", "ar", "prs", "so", "ti", "uk", "de", "nl", "hi"])
@pytest.mark.parametrize("style", ["standard", "or", "unit"])
def test_every_style_works_in_every_language(catalogs: Catalogs, code: str, style: str) -> None:
    # Babel's own lookup raises KeyError('start') for "unit" in Swedish, German, Dutch, Somali...
    joined = catalogs.translator(code).join(["x", "y", "z"], style)
    assert "x" in joined and "y" in joined and "z" in joined and "{" not in joined


def test_latin_items_in_arabic_are_isolated_one_by_one(catalogs: Catalogs) -> None:
    t = catalogs.translator("ar")
    joined = t.join(["Norsjö centrum", "Bastuträsk"], "or")
    assert joined == f"{FSI}Norsjö centrum{PDI} أو {FSI}Bastuträsk{PDI}"
    # Filled into a sentence it is not wrapped again, so "أو" stays in the sentence's direction.
    assert t._("can help with {topics}", topics=joined) == f"يستطيع المساعدة في {joined}"


def test_a_refusal_lists_its_choices_as_alternatives(catalogs: Catalogs) -> None:
    error = UserError("Please choose your part of the municipality from the list: {choices}.",
                      choices=Items(["Norsjö centrum", "Bastuträsk", "Malå"], "or"))
    assert render_user_error(catalogs.translator("sv"), error) == (
        "Välj din del av kommunen från listan: Norsjö centrum, Bastuträsk eller Malå.")
    arabic = render_user_error(catalogs.translator("ar"), error)
    assert f"{FSI}Bastuträsk{PDI} أو {FSI}Malå{PDI}" in arabic
    assert ", " not in arabic
    # Numbers are written with the reader's digits and translated items in the reader's words.
    t = catalogs.translator("sv")
    assert t._("{n}", n=Items([1200, 3])) == f"{t.number(1200)} och 3" != "1200 och 3"
    assert t._("{what}", what=Items(["housing", "work and the job track"], translate=True)) == (
        "boende samt arbete och jobbspåret")


async def test_an_arabic_coordinator_reads_why_a_pair_fits_in_arabic_punctuation(sim: Simulator) -> None:
    await sim.join("Bertil", locale="sv-SE")
    await sim.join("Amal", locale="en-US")
    await sim.join("Layla", locale="en-US")
    prefs = sim.running_bot.services.prefs
    await prefs.set_dm_allowed(sim.member("Bertil").id, True)
    await prefs.set_language(sim.member("Layla").id, "ar")
    await sim.grant("Layla", "coordinator")
    await sim.slash("Bertil", '/mentor volunteer languages:"sv:3 ar:2" help:"work, housing" '
                              'interests:football adult:true area:"Norsjö centrum"')
    await sim.slash("Amal", '/mentor request languages:"ar:3 en:1" help:"work, housing" interests:football '
                            'adult:true area:"Norsjö centrum"')

    step = await sim.slash("Layla", "/match preview")
    preview = step.last()
    assert preview.visible_to == "Layla"
    # The reasons are separated by the Arabic semicolon, the topics joined with "و" and the Arabic
    # comma that sets "work and the job track" apart from "housing".
    assert "كلاكما يتحدث العربية؛ " in preview.text
    assert "يستطيع المساعدة في العمل ومسار التوظيف، والسكن" in preview.text
    assert "; " not in preview.text


def test_a_date_with_its_times_is_joined_as_the_language_joins_them(catalogs: Catalogs) -> None:
    start = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)  # 18:00 in Norsjö
    end = start + timedelta(hours=2)
    assert catalogs.translator("ar").when(start, end) == "الخميس، 3 ديسمبر 2026، 6:00–8:00 م"
    assert catalogs.translator("prs").when(start, end) == "پنجشنبه 3 دسمبر 2026، ساعت 18:00 تا 20:00"
    assert catalogs.translator("sv").when(start, end) == "torsdag 3 december 2026 18:00–20:00"
    assert catalogs.translator("en").when(start) == "Thursday, 3 December 2026, 18:00"


async def test_an_arabic_member_reads_the_event_time_with_arabic_punctuation(sim: Simulator) -> None:
    await organizer(sim)
    await sim.join("Amal")
    await sim.running_bot.services.prefs.set_language(sim.member("Amal").id, "ar")
    event_id = await create(sim, 'title:"Språkcafé" date:2026-12-03 time:18:00')
    await sim.slash("Bertil", f'/event translate event:{event_id} language:ar title:"مقهى اللغة" '
                              'description:"قهوة وحديث"')
    await sim.advance(timedelta(days=1, hours=6))
    step = await sim.press("Amal", f"events:show:{event_id}")
    reply = step.last("interaction_response")
    assert reply.visible_to == "Amal"
    assert "الخميس، 3 ديسمبر 2026، 6:00–7:30 م" in reply.text  # the default 90 minutes
    assert "2026, " not in reply.text
