"""The search index: normalisation and matching across languages, typos and spelling variants."""

from __future__ import annotations

import pytest

from bot.features.faq.search import ALIAS, ANSWER, QUESTION, Document, SearchIndex, normalize, tokens


def test_normalize_folds_swedish_letters_and_arabic_persian_variants() -> None:
    assert normalize("Vinterdäck på Hälsocentralen Å") == "vinterdack pa halsocentralen a"
    # Alef forms, tashkeel and tatweel.
    assert normalize("أَحْمَد إبراهيم آمنة") == normalize("احمد ابراهیم امنه")
    assert normalize("كـــتاب") == normalize("کتاب")
    # Arabic yeh, alef maksura and Persian yeh are one letter; teh marbuta is heh.
    assert normalize("علي") == normalize("علی") == normalize("على")
    assert normalize("مدرسة") == normalize("مدرسه")
    # Arabic-Indic and Persian digits become ASCII.
    assert normalize("١١٢ ۱۱۲") == "112 112"


def test_tokens_drop_the_arabic_article_but_keep_hindi_vowel_signs() -> None:
    assert tokens("الطبيب") == tokens("طبيب")
    assert tokens("नौकरी खोज") == ["नौकरी", "खोज"]


def _index() -> SearchIndex:
    index = SearchIndex()
    index.put(1, [Document("sv", QUESTION, "Hur får jag BankID?"), Document("en", ALIAS, "bank id"),
                  Document("sv", ANSWER, "BankID är en e-legitimation från banken.")])
    index.put(2, [Document("sv", QUESTION, "När måste jag ha vinterdäck?"),
                  Document("ar", ALIAS, "إطارات شتوية")])
    index.put(3, [Document("en", QUESTION, "Where do I go if I get ill?"), Document("ar", ALIAS, "طبيب")])
    return index


def test_search_tolerates_typos_prefixes_and_other_scripts() -> None:
    index = _index()
    assert index.search("vinterdack")[0].entry_id == 2
    assert index.search("vintrdäck")[0].entry_id == 2
    assert index.search("vinter")[0].entry_id == 2  # still typing
    assert index.search("اطارات شتويه")[0].entry_id == 2
    assert index.search("الطبيب")[0].entry_id == 3
    assert index.search("bankid")[0].entry_id == 1


def test_nothing_matches_unrelated_words() -> None:
    assert _index().search("fiskekort") == []
    assert _index().search("   ") == []


def test_reindexing_an_entry_replaces_its_old_words() -> None:
    index = _index()
    index.put(2, [Document("sv", QUESTION, "Var köper jag fiskekort?")])
    assert index.search("vinterdäck") == []
    assert index.search("fiskekort")[0].entry_id == 2
    index.remove(2)
    assert index.search("fiskekort") == []


def test_a_large_index_finds_the_same_entries_with_and_without_the_letter_prefilter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Hundreds of similar words per first letter and length: the prefilter is in use, and it may
    # only skip words that cannot reach the typo cutoff, so every result is the same without it.
    import random

    from bot.features.faq import search as search_module

    rng = random.Random(5)
    syllables = ["ka", "lo", "ver", "sti", "ning", "bar", "tol", "mek", "sjo", "hus", "tid", "gar", "äng", "ös"]

    def word() -> str:
        return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))

    def build() -> SearchIndex:
        index = SearchIndex()
        for entry_id in range(1, 301):
            question, answer = " ".join(word() for _ in range(5)), " ".join(word() for _ in range(12))
            index.put(entry_id, [Document("sv", QUESTION, question), Document("sv", ALIAS, word()),
                                 Document("sv", ANSWER, answer)])
        return index

    state = rng.getstate()
    filtered = build()
    filtered._refresh()
    assert filtered._shelves  # the prefilter is really in use
    rng.setstate(state)
    monkeypatch.setattr(search_module, "_BAG_FROM", 10**9)  # never prefilter
    unfiltered = build()
    queries = [word()[: rng.randint(3, 12)] for _ in range(150)]
    queries += [q[:2] + q[3:] for q in queries[:50] if len(q) > 4]  # a deleted letter
    queries += [f"{word()} {word()}" for _ in range(50)]
    for query in queries:
        assert filtered.search(query) == unfiltered.search(query), query
