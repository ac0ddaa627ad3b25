"""The search index: normalisation and matching across languages, typos and spelling variants."""

from __future__ import annotations

import bisect
import math
import random

import pytest
from rapidfuzz import fuzz, process

from bot.features.faq import search as search_module
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


def test_one_entry_postings_are_shared_and_never_changed_by_puts_and_removes() -> None:
    """The index keeps one dict for every (entry, weight) of the words only one entry has; after random
    puts, re-puts and removes its postings are exactly those of the entries it holds."""
    import random

    rng = random.Random(11)
    words = ["bank", "id", "kort", "vinter", "däck", "läkare", "skola", "hus", "buss", "jobb", "طبيب", "ገዛ"]
    index, held = SearchIndex(), {}
    for _ in range(600):
        entry_id = rng.randint(1, 25)
        if rng.random() < 0.25:
            index.remove(entry_id)
            held.pop(entry_id, None)
            continue
        docs = [Document("sv", rng.choice([QUESTION, ALIAS, ANSWER]), " ".join(rng.sample(words, rng.randint(1, 4))))
                for _ in range(rng.randint(1, 3))]
        index.put(entry_id, docs)
        held[entry_id] = docs
        expected: dict[str, dict[int, float]] = {}
        for held_id, held_docs in held.items():
            weights: dict[str, float] = {}
            for doc in held_docs:
                for token in tokens(doc.text):
                    weights[token] = max(weights.get(token, 0.0), doc.kind)
            for token, weight in weights.items():
                expected.setdefault(token, {})[held_id] = weight
        assert dict(index._postings) == expected
        assert all(single == {key[0]: key[1]} for key, single in index._single.items())
    index.put(99, [Document("sv", QUESTION, "personnummer")])
    assert index._is_single(index._postings["personnummer"])


class _ReferenceIndex:
    """The search written out plainly: every word of a bucket scored, every candidate's closeness bonus
    taken over all its phrases, no stopping early. The index must give exactly its hits and scores."""

    def __init__(self) -> None:
        self.postings: dict[str, dict[int, float]] = {}
        self.entry_tokens: dict[int, set[str]] = {}
        self.phrases: dict[int, list[str]] = {}

    def put(self, entry_id: int, documents: list[Document]) -> None:
        self.remove(entry_id)
        weights: dict[str, float] = {}
        phrases: list[str] = []
        for doc in documents:
            words = tokens(doc.text[:search_module.ANSWER_PREFIX] if doc.kind == ANSWER else doc.text)
            for token in words:
                if weights.get(token, 0.0) < doc.kind:
                    weights[token] = doc.kind
            if doc.kind != ANSWER and words:
                phrases.append(" ".join(words))
        for token, weight in weights.items():
            self.postings.setdefault(token, {})[entry_id] = weight
        self.entry_tokens[entry_id] = set(weights)
        self.phrases[entry_id] = phrases

    def remove(self, entry_id: int) -> None:
        for token in self.entry_tokens.pop(entry_id, ()):
            self.postings[token].pop(entry_id)
            if not self.postings[token]:
                del self.postings[token]
        self.phrases.pop(entry_id, None)

    def _matches(self, token: str, last: bool) -> dict[str, float]:
        found: dict[str, float] = {}
        if token in self.postings:
            found[token] = 1.0
        size = len(token)
        vocab = sorted(self.postings)
        if size >= 3 or last:
            start = bisect.bisect_left(vocab, token)
            for word in vocab[start : start + 25]:
                if not word.startswith(token):
                    break
                if word != token:
                    found.setdefault(word, 0.9 if size >= 4 else 0.75)
        if size >= 4:
            cutoff = 75.0 if size >= 6 else 80.0
            for length in (size - 1, size, size + 1):
                bucket = [word for word in self.postings if word[0] == token[0] and len(word) == length]
                for word, score, _ in process.extract(token, bucket, scorer=fuzz.ratio, score_cutoff=cutoff, limit=8):
                    if found.get(word, 0.0) < score / 100.0 * 0.95:
                        found[word] = score / 100.0 * 0.95
        if size >= search_module.STEM_FROM and not found:
            for length in range(size - 1, max(3, math.ceil(size * search_module.STEM_SHARE)) - 1, -1):
                if token[:length] in self.postings:
                    found[token[:length]] = search_module.STEM_SIMILARITY
                    break
        return found

    def search(self, query: str, limit: int = 10, min_score: float = 0.3) -> list[tuple[int, float]]:
        query_tokens = list(dict.fromkeys(tokens(query)))
        if not query_tokens:
            return []
        entries = len(self.entry_tokens)
        totals: dict[int, float] = {}
        norm = 0.0
        content = [token for token in query_tokens if token not in search_module.FILLER]
        for i, token in enumerate(query_tokens):
            worth = search_module.FILLER_WEIGHT if content and token not in content else 1.0
            matches = self._matches(token, last=i == len(query_tokens) - 1)
            if not matches:
                norm += worth * math.log(1.0 + entries + 1)
                continue
            idf = {word: math.log(1.0 + (entries + 1) / (len(self.postings[word]) + 0.5)) for word in matches}
            norm += worth * max(idf.values())
            per_entry: dict[int, float] = {}
            for word, similarity in matches.items():
                for entry_id, field in self.postings[word].items():
                    value = worth * similarity * idf[word] * field
                    if per_entry.get(entry_id, 0.0) < value:
                        per_entry[entry_id] = value
            for entry_id, value in per_entry.items():
                totals[entry_id] = totals.get(entry_id, 0.0) + value
        if not totals or norm <= 0:
            return []
        ranked = sorted(totals.items(), key=lambda item: item[1], reverse=True)[: max(limit * 3, 30)]
        phrase = " ".join(query_tokens)
        hits = []
        for entry_id, total in ranked:
            best = process.extractOne(phrase, self.phrases[entry_id] or [""], scorer=fuzz.ratio)
            score = total / norm + 0.2 * (best[1] / 100.0)
            if score >= min_score:
                hits.append((entry_id, score))
        hits.sort(key=lambda hit: hit[1], reverse=True)
        return hits[:limit]


_SCRIPTS = {
    "sv": ["ka", "lo", "ver", "sti", "ning", "bar", "tol", "mek", "sjö", "hus", "tid", "äng", "aa", "kk"],
    "ar": ["كا", "لو", "مر", "سا", "بي", "تو", "نا", "دي", "فر", "حل"],
    "uk": ["ка", "ло", "вер", "сті", "нин", "бар", "тол"],
    "ti": ["ካ", "ሎ", "ቨር", "ስቲ", "ኒን", "ባር"],
}


@pytest.mark.parametrize(("entries", "seed", "span"), [(12, 1, None), (40, 2, None), (400, 3, None), (400, 4, 1)])
def test_the_index_gives_exactly_the_hits_and_scores_of_the_plain_search(
    entries: int, seed: int, span: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small and large indexes (a large one has the letter prefilter and scores the closeness bonus by
    # script; `span` 1 puts every typo through the prefilter), phrases mixing scripts, words with repeated
    # letters, a word too long for the prefilter, entries edited and removed: ids and scores equal to the
    # last bit, for several limits.
    if span is not None:
        monkeypatch.setattr(search_module, "_BAG_FROM", span)
    rng = random.Random(seed)

    def word(language: str) -> str:
        return "".join(rng.choice(_SCRIPTS[language]) for _ in range(rng.randint(1, 5)))

    def phrase(language: str, n: int) -> str:
        words = [word(language) for _ in range(n)]
        if rng.random() < 0.15:  # another script in the phrase (a brand name, a number)
            words.append(rng.choice([word(rng.choice(list(_SCRIPTS))), "1177", "BankID"]))
        return " ".join(words)

    def documents() -> list[Document]:
        docs = []
        for language in rng.sample(list(_SCRIPTS), rng.randint(1, 4)):
            docs.append(Document(language, QUESTION, phrase(language, rng.randint(2, 7))))
            docs += [Document(language, ALIAS, phrase(language, rng.randint(1, 2))) for _ in range(rng.randint(0, 3))]
            docs.append(Document(language, ANSWER, phrase(language, 25)))
        if rng.random() < 0.05:
            docs.append(Document("sv", ALIAS, "kalo" * 70))  # 280 letters
        return docs

    index, reference = SearchIndex(), _ReferenceIndex()
    corpus = {entry_id: documents() for entry_id in range(1, entries + 1)}
    for entry_id, docs in corpus.items():
        index.put(entry_id, docs)
        reference.put(entry_id, docs)
    for entry_id in rng.sample(sorted(corpus), entries // 5):  # edits and removals
        if rng.random() < 0.5:
            index.remove(entry_id)
            reference.remove(entry_id)
            del corpus[entry_id]
        else:
            corpus[entry_id] = documents()
            index.put(entry_id, corpus[entry_id])
            reference.put(entry_id, corpus[entry_id])

    texts = [doc.text for docs in corpus.values() for doc in docs if doc.kind != ANSWER]
    queries = ["kalo" * 70, "kalo" * 70 + "k", "how do i get", "hur", "ka", "k"]
    for _ in range(120):
        words = rng.choice(texts).split()
        start = rng.randrange(len(words))
        query = " ".join(words[start : start + rng.randint(1, 3)])
        if len(query) > 5 and rng.random() < 0.5:  # a letter left out
            cut = rng.randrange(1, len(query) - 1)
            query = query[:cut] + query[cut + 1 :]
        if rng.random() < 0.2:
            query = query[: rng.randint(1, len(query))]  # still typing
        queries.append(query)
    queries += [" ".join(word(rng.choice(list(_SCRIPTS))) for _ in range(rng.randint(1, 3))) for _ in range(40)]
    if entries >= 400:
        index._refresh()
        assert index._shelves  # the prefilter and the grouped closeness bonus are in use
    for query in queries:
        for limit in (1, 3, 10):
            expected = reference.search(query, limit=limit)
            assert [(hit.entry_id, hit.score) for hit in index.search(query, limit=limit)] == expected, (query, limit)
