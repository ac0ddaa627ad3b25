"""The in-memory search index of the FAQ: one query finds entries in every language at once.

Why RapidFuzz: members misspell, write Swedish å/ä/ö as a/o and mix spelling variants; RapidFuzz
gives typo-tolerant similarity (`fuzz.ratio`, an Indel distance) implemented in C++, fast enough to
run on every autocomplete keystroke. `WRatio` was measured as too slow for this (see the stack
notes), so texts are normalised once here and only short word tokens are compared.

How it works:
- every text (question, aliases and the start of the answer, in each language) is normalised
  (`normalize`) and split into word tokens; an inverted index maps a token to the entries that use
  it, with a field weight (question and aliases count more than the answer);
- a query token matches vocabulary tokens exactly, by prefix (the member is still typing), as a
  longer form of a vocabulary word (a light stemming for every language: Somali "isbitaalka" finds
  "isbitaal", Swedish "körkortet" finds "körkort"), or by `fuzz.ratio` within a few characters of its
  length (typos);
- filler words ("how", "do I get", Somali "sidee baan", Arabic "كيف", ...; `FILLER`) count for little,
  so the content words decide ("sidee baan ku helaa personnumer" is about the personnummer);
- an entry's score is the IDF-weighted share of query tokens it matched, plus a small bonus for
  how close the whole query is to one of its questions or aliases;
- Swedish words newcomers write in their own script ("بيرسون نومر", "ፐርሶን ኑመር", "персонумер") come
  from `search_terms.toml` and are indexed with every entry that names the Swedish word (`expansions`).
The index is built at load from the database and updated entry by entry on every edit.
"""

from __future__ import annotations

import heapq
import math
import re
import tomllib
import unicodedata
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

if TYPE_CHECKING:
    import numpy as np

#: Combining marks removed by normalisation: Latin/Cyrillic diacritics and Arabic tashkeel.
#: Devanagari and Ethiopic marks are kept: they are letters' vowels, not optional diacritics.
_STRIP_MARKS = re.compile(r"[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_CHAR_MAP = str.maketrans(
    {
        "\u0640": "",  # tatweel
        "\u0649": "\u06cc",  # alef maksura -> Persian yeh
        "\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
        "\u0643": "\u06a9",  # Arabic kaf -> Persian keheh
        "\u0629": "\u0647",  # teh marbuta -> heh
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u200c": "",  # zero-width non-joiner (Persian)
        "\u200d": "",
        "ß": "ss",
        "æ": "a",
        "ø": "o",
        **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + d): str(d) for d in range(10)},  # Persian digits
        **{chr(0x0966 + d): str(d) for d in range(10)},  # Devanagari digits
    }
)
_SPLIT = re.compile(
    r"[\s!-/:-@\[-`{-~\u00a0-\u00bf\u2000-\u206f\u060c\u061b\u061f\u066a-\u066d\u06d4"
    r"\u1361-\u1368\u0964\u0965\u2018-\u201f«»]+"
)
_ARTICLE_STARTS = frozenset("وبفکلا")
_ARABIC_ARTICLE = re.compile(r"^(?:وال|بال|فال|كال|کال|لل|ال)(?=\S{3,})")

#: Field weights: what a token in each kind of text is worth.
QUESTION, ALIAS, ANSWER = 1.0, 1.0, 0.45
#: A search is answered with confidence from this score and this many letters on (else "did you mean").
SURE_SCORE = 0.5
SURE_LETTERS = 3
#: How much of an answer is indexed (its start carries the topic words).
ANSWER_PREFIX = 240


#: What a filler word of a query is worth compared with a content word.
FILLER_WEIGHT = 0.2
#: A query word this long may be a longer form of a vocabulary word (stem) of at least `STEM_SHARE` of it.
STEM_FROM = 5
STEM_SHARE = 0.6
STEM_SIMILARITY = 0.8
TERMS_FILE = Path(__file__).resolve().parent / "search_terms.toml"

#: Words of a search that say little about what is sought, per language (normalised by `tokens` below).
_FILLER_WORDS = {
    "sv": "hur var vad jag far kan en ett i pa for med och att min mitt mina till om ar det den som",
    "en": "how do does i get can where what a an the for in on to my is of and with me it",
    "so": "sidee sideen sidii baan ban ku u ka ma waa iyo ee helaa heli helo karaa aan waxaan maxaan xagee "
          "halkee miyaa la soo ah",
    "ar": "كيف اين ماذا هل انا على عن في من الى اريد احصل ابحث اجد يمكن",
    "fa": "چطور چگونه کجا چه من را به از در با برای می خواهم بگیرم کنم است",
    "ti": "ከመይ ይርከብ እንታይ ኣበይ ናበይ ክረክብ እኽእል ገይረ ኣብ ናይ ካብ ምስ ድዩ እዩ",
    "uk": "як де що я мені отримати можна в у на для з і та чи",
    "hi": "कैसे क्या कहाँ मैं मुझे का की के में से पर है हूँ को लिए",
    "de": "wie wo was ich bekomme bekommen kann der die das ein eine fur in im mit und zu mein meine",
    "nl": "hoe waar wat ik krijg kan de het een voor in met en mijn van",
}

#: Buckets of at least this many words get a letter-count prefilter (smaller ones are scored directly).
_BAG_FROM = 48


class _Shelf:
    """The words of one first letter, shortest first, with the letters each word has.

    A letter-count prefilter for typo matching: `fuzz.ratio` is 100 * 2 * LCS / (len(a) + len(b)),
    and the longest common subsequence never exceeds the letters the two words have in common
    (counted with repetition), so a word sharing fewer letters cannot reach the cutoff. `levels` has
    a row per letter and count (a word with "a" twice has a 1 in the rows "a at least once" and "a at
    least twice"), so the letters a token shares with every word are the sum of a few rows: for each
    of its letters, as many rows as it has that letter. The words of all lengths a typo can reach lie
    side by side, so one sum checks them all.
    """

    __slots__ = ("levels", "rows", "spans", "starts", "text")

    def __init__(self, buckets: dict[int, list[str]]) -> None:
        import numpy as np  # lazy: only an index with large buckets needs it (about 11 MiB)

        words: list[str] = []
        self.spans: dict[int, tuple[int, int]] = {}  # word length -> its words' place in `words`
        for length in sorted(buckets):
            self.spans[length] = (len(words), len(words) + len(buckets[length]))
            words += buckets[length]
        # The words one after the other (the k-th word of length n starts at `starts[n] + k * n`): reading a
        # few of them touches one string, not many small ones spread over memory.
        self.text = "".join(words)
        self.starts: dict[int, int] = {}
        offset = 0
        for length in sorted(buckets):
            self.starts[length] = offset
            offset += length * len(buckets[length])
        # Every letter of every word, as (word, letter) and the how-manieth of that letter in the word.
        text = np.frombuffer(self.text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        codes, letter = np.unique(text, return_inverse=True)
        letter = letter.reshape(-1).astype(np.int64)
        word = np.repeat(np.arange(len(words), dtype=np.int64), [len(w) for w in words])
        order = np.argsort(word * len(codes) + letter, kind="stable")
        key = (word * len(codes) + letter)[order]
        run_start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        nth = np.empty_like(order)
        nth[order] = np.arange(len(order)) - np.repeat(run_start, np.diff(np.r_[run_start, len(order)]))
        depth = np.zeros(len(codes), dtype=np.int64)  # the most times a word has each letter
        np.maximum.at(depth, letter, nth + 1)
        base = np.r_[0, np.cumsum(depth)[:-1]]
        self.rows: dict[str, list[int]] = {  # letter -> its rows in `levels` (at least once, twice, ...)
            chr(code): list(range(start, start + count))
            for code, start, count in zip(codes.tolist(), base.tolist(), depth.tolist(), strict=True)
        }
        # Each word is shorter than 256 letters, so the sum of its rows fits a byte.
        self.levels: np.ndarray = np.zeros((int(depth.sum()), len(words)), dtype=np.uint8)
        self.levels[base[letter] + nth, word] = 1

    def may_reach(self, token: str, lengths: list[int], cutoff: float) -> list[list[str]] | None:
        """For each of `lengths`, the words of that length that can reach `cutoff` (a whole number) with
        `fuzz.ratio` (a superset: only words that cannot are left out), or None if too few words to be
        worth it. The lengths are consecutive, so their words are side by side (in `levels` and `text`)."""
        spans = [self.spans.get(length, (0, 0)) for length in lengths]
        present = [(length, span) for length, span in zip(lengths, spans, strict=True) if span[1] > span[0]]
        if not present or present[-1][1][1] - present[0][1][0] < _BAG_FROM:
            return None
        import numpy as np

        wanted: list[int] = []
        seen: dict[str, int] = {}
        for ch in token:  # the n-th time a letter comes, its row "at least n times"
            nth = seen.get(ch, 0)
            seen[ch] = nth + 1
            rows = self.rows.get(ch)
            if rows is not None and nth < len(rows):
                wanted.append(rows[nth])
        if not wanted:
            return [[] for _ in lengths]
        start, end = present[0][1][0], present[-1][1][1]
        shared = self.levels[wanted, start:end].sum(axis=0, dtype=np.uint8)
        # ratio >= cutoff needs 200 * shared >= cutoff * (len(token) + len(word)), in whole numbers.
        needed = [-(-int(cutoff) * (len(token) + length) // 200) for length, _ in present]
        keep = (shared >= np.repeat(needed, [b - a for _, (a, b) in present])).nonzero()[0].tolist()
        text = self.text
        out: list[list[str]] = []
        for length, (a, b) in zip(lengths, spans, strict=True):
            if b <= a:
                out.append([])
            else:
                chosen = keep[bisect_left(keep, a - start) : bisect_left(keep, b - start)]
                origin = self.starts[length] + (start - a) * length
                out.append([text[origin + i * length : origin + (i + 1) * length] for i in chosen])
        return out


def normalize(text: str) -> str:
    """Casefold, strip diacritics (å/ä/ö -> a/a/o), unify Arabic/Persian letter variants and digits."""
    text = unicodedata.normalize("NFD", text.casefold())
    text = _STRIP_MARKS.sub("", text)
    return unicodedata.normalize("NFC", text).translate(_CHAR_MAP)


def tokens(text: str) -> list[str]:
    """The normalised word tokens of a text (Arabic definite article removed)."""
    out: list[str] = []
    for word in _SPLIT.split(normalize(text)):
        if not word:
            continue
        out.append(_ARABIC_ARTICLE.sub("", word) if word[0] in _ARTICLE_STARTS else word)
    return out


FILLER: frozenset[str] = frozenset(t for words in _FILLER_WORDS.values() for t in tokens(words))


@cache
def _terms() -> dict[str, tuple[str, ...]]:
    """Swedish word (normalised) -> how newcomers write it (`search_terms.toml`)."""
    data = tomllib.loads(TERMS_FILE.read_text(encoding="utf-8"))
    return {normalize(str(key)): tuple(str(v) for v in values) for key, values in data.items()}


def expansions(words: Iterable[str]) -> list[str]:
    """The spellings newcomers use for the Swedish words among `words` (normalised tokens)."""
    terms = _terms()
    out: list[str] = []
    for word in dict.fromkeys(words):
        out += terms.get(word, ())
    return out


@dataclass(frozen=True, slots=True)
class Document:
    """One indexed text of an entry."""

    language: str
    kind: float  # QUESTION, ALIAS or ANSWER
    text: str


@dataclass(frozen=True, slots=True)
class Hit:
    """A search result: the entry id and its score (0..~1.2)."""

    entry_id: int
    score: float


class SearchIndex:
    """Token index over every language's texts of every entry."""

    def __init__(self) -> None:
        self._postings: dict[str, dict[int, float]] = defaultdict(dict)
        #: The postings of words only one entry has, one read-only dict per (entry, weight): most
        #: words of a multilingual FAQ are in one entry, and a dict each held most of the index.
        self._single: dict[tuple[int, float], dict[int, float]] = {}
        self._entry_tokens: dict[int, tuple[str, ...]] = {}
        # An entry's questions and aliases (normalised), and the same by the Unicode blocks of their letters
        # with each group kept as one text of lines: a large index's search reads a few texts instead of
        # many small strings spread over memory.
        self._phrases: dict[int, tuple[list[str], dict[int, str]]] = {}
        self._scripts: dict[frozenset[int], int] = {}  # the blocks of a group's letters -> its number
        self._script_letters: list[set[str]] = []  # every character of a group's phrases (it only grows)
        self._buckets: dict[tuple[str, int], list[str]] = {}
        self._shelves: dict[str, _Shelf] = {}
        self._sorted_vocab: list[str] = []
        self._dirty = True

    def __len__(self) -> int:
        return len(self._entry_tokens)

    # ----- building ---------------------------------------------------------------------------
    def put(self, entry_id: int, documents: Iterable[Document]) -> None:
        """Index (or re-index) one entry's texts."""
        self.remove(entry_id)
        weights: dict[str, float] = {}
        phrases: dict[int, list[str]] = {}
        for doc in documents:
            words = tokens(doc.text[:ANSWER_PREFIX] if doc.kind == ANSWER else doc.text)
            for token in words:
                if weights.get(token, 0.0) < doc.kind:
                    weights[token] = doc.kind
            if doc.kind != ANSWER and words:
                phrase = " ".join(words)
                letters = set(phrase)
                script = self._script(letters)
                phrases.setdefault(script, []).append(phrase)
                self._script_letters[script] |= letters
        for token, weight in weights.items():
            posting = self._postings.get(token)
            if posting is None:
                self._postings[token] = self._single.setdefault((entry_id, weight), {entry_id: weight})
            else:
                if self._is_single(posting):
                    posting = self._postings[token] = dict(posting)
                posting[entry_id] = weight
        self._entry_tokens[entry_id] = tuple(weights)
        self._phrases[entry_id] = (
            [phrase for group in phrases.values() for phrase in group],
            {script: "\n".join(group) for script, group in phrases.items()},
        )
        self._dirty = True

    def _script(self, letters: set[str]) -> int:
        """The group of a phrase with these letters: the Unicode blocks (256 code points each) they are from."""
        blocks = frozenset(ord(ch) >> 8 for ch in letters if ch != " ")
        script = self._scripts.get(blocks)
        if script is None:
            script = self._scripts[blocks] = len(self._script_letters)
            self._script_letters.append(set())
        return script

    def remove(self, entry_id: int) -> None:
        """Take an entry out of the index."""
        for token in self._entry_tokens.pop(entry_id, ()):
            posting = self._postings.get(token)
            if posting is not None and entry_id in posting:
                if len(posting) == 1:
                    del self._postings[token]  # (a shared one-entry posting stays as it is)
                else:
                    del posting[entry_id]  # two or more entries: the token's own dict
        self._phrases.pop(entry_id, None)
        self._dirty = True

    def _is_single(self, posting: dict[int, float]) -> bool:
        """Whether `posting` is one of the shared one-entry postings (never changed in place)."""
        return len(posting) == 1 and self._single.get(next(iter(posting.items()))) is posting

    def _refresh(self) -> None:
        if not self._dirty:
            return
        buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        for token in self._postings:
            buckets[(token[0], len(token))].append(token)
        self._buckets = dict(buckets)
        by_letter: dict[str, dict[int, list[str]]] = defaultdict(dict)
        for (first, length), words in self._buckets.items():
            if length < 256:
                by_letter[first][length] = words
        self._shelves = {
            first: _Shelf(lengths)
            for first, lengths in by_letter.items()
            if any(len(words) >= _BAG_FROM for words in lengths.values())
        }
        self._sorted_vocab = sorted(self._postings)
        self._dirty = False

    # ----- matching ---------------------------------------------------------------------------
    def _matches(self, token: str, last: bool) -> dict[str, float]:
        """Vocabulary tokens similar to a query token, with a similarity in 0..1."""
        found: dict[str, float] = {}
        if token in self._postings:
            found[token] = 1.0
        size = len(token)
        if size >= 3 or last:
            # Prefix: the member is still typing, or wrote the start of a compound.
            vocab = self._sorted_vocab
            start = bisect_left(vocab, token)
            for word in vocab[start : start + 25]:
                if not word.startswith(token):
                    break
                if word != token:
                    found.setdefault(word, 0.9 if size >= 4 else 0.75)
        if size >= 4:
            cutoff = 75.0 if size >= 6 else 80.0
            spread = 1  # one typo changes the length by at most one
            lengths = list(range(size - spread, size + spread + 1))
            # Same first letter: people rarely mistype the first letter, and it keeps this fast.
            shelf = self._shelves.get(token[0]) if size + spread < 256 else None
            reachable = shelf.may_reach(token, lengths, cutoff) if shelf is not None else None
            for n, length in enumerate(lengths):
                bucket = self._buckets.get((token[0], length)) if reachable is None else reachable[n]
                if not bucket:
                    continue
                for word, score, _ in process.extract(
                    token, bucket, scorer=fuzz.ratio, score_cutoff=cutoff, limit=8
                ):
                    similarity = score / 100.0 * 0.95
                    if found.get(word, 0.0) < similarity:
                        found[word] = similarity
        if size >= STEM_FROM and not found:
            # A longer form of a known word (an ending, an article, a compound's first part); only for a word
            # nothing else matched, so that searching costs no more than before.
            for length in range(size - 1, max(3, math.ceil(size * STEM_SHARE)) - 1, -1):
                stem = token[:length]
                if stem in self._postings:
                    if found.get(stem, 0.0) < STEM_SIMILARITY:
                        found[stem] = STEM_SIMILARITY
                    break
        return found

    def confident(self, query: str, hits: list[Hit]) -> bool:
        """Whether the best hit is a confident answer to `query`: a weak match is not, nor a letter or two
        that only begin words (a short word the FAQ uses, such as Tigrinya "ገዛ", is)."""
        if not hits or hits[0].score < SURE_SCORE:
            return False
        words = tokens(query)
        return sum(len(word) for word in words) >= SURE_LETTERS or any(
            len(word) > 1 and word not in FILLER and word in self._postings for word in words)

    def search(self, query: str, limit: int = 10, min_score: float = 0.3) -> list[Hit]:
        """Entries best matching `query`, best first."""
        self._refresh()
        query_tokens = list(dict.fromkeys(tokens(query)))
        if not query_tokens:
            return []
        totals: dict[int, float] = defaultdict(float)
        norm = 0.0
        # Filler words count for little, unless the search is nothing else.
        content = [token for token in query_tokens if token not in FILLER]
        for i, token in enumerate(query_tokens):
            worth = FILLER_WEIGHT if content and token not in content else 1.0
            matches = self._matches(token, last=i == len(query_tokens) - 1)
            if not matches:
                # An unknown word still counts, so that "foo bankid" ranks below "bankid".
                norm += worth * math.log(1.0 + len(self._entry_tokens) + 1)
                continue
            lists = [self._postings[word] for word in matches]
            entries = len(self._entry_tokens) + 1
            idf = [math.log(1.0 + entries / (len(posting) + 0.5)) for posting in lists]
            norm += worth * max(idf)
            per_entry: dict[int, float] = {}
            seen = per_entry.get
            for similarity, word_idf, posting in zip(matches.values(), idf, lists, strict=True):
                weight = worth * similarity * word_idf
                for entry_id, field in posting.items():
                    value = weight * field
                    if seen(entry_id, 0.0) < value:
                        per_entry[entry_id] = value
            for entry_id, value in per_entry.items():
                totals[entry_id] += value
        if not totals or norm <= 0:
            return []
        ranked = sorted(totals.items(), key=itemgetter(1), reverse=True)[: max(limit * 3, 30)]
        phrase = " ".join(query_tokens)
        large = bool(self._shelves)  # NumPy is loaded for the letter prefilter
        reach = self._reach(phrase) if large else []
        hits: list[tuple[int, float]] = []
        best_scores: list[float] = []  # a min-heap of the best `limit` scores so far
        for entry_id, total in ranked:
            # The closeness bonus adds at most 0.2, and the candidates come by falling total: once
            # even the full bonus cannot beat the `limit` best scores so far, no later one can either.
            if len(best_scores) == limit and total / norm + 0.2 * 1.0 < best_scores[0]:
                break
            base = total / norm
            phrases, groups = self._phrases.get(entry_id) or ([], {})
            if not large:
                best = process.extractOne(phrase, phrases or [""], scorer=fuzz.ratio)
                closeness = best[1] if best else 0.0
            else:
                # The bonus is the best `fuzz.ratio` of the query with one of the entry's phrases; a group of
                # phrases is scored only if it can beat the best so far. With `limit` scores in hand, a bonus
                # too small to reach them need not be known: such a candidate ends below them either way (its
                # score is then too low, but still below them), so the same hits come with the same scores.
                floor = (best_scores[0] - base) * 500.0 - 1e-6 if len(best_scores) == limit else 0.0
                closeness = 0.0
                for bound, script in reach:
                    if bound + 1e-6 <= floor:
                        break
                    group = groups.get(script)
                    if group is None:
                        continue
                    best = process.extractOne(  # (a phrase has no line break: `tokens` splits at every space)
                        phrase, group.split("\n"), scorer=fuzz.ratio, score_cutoff=floor if floor > 0 else 0
                    )
                    if best is not None and best[1] >= floor:
                        floor = closeness = best[1]
            score = base + 0.2 * (closeness / 100.0)
            if score >= min_score:
                hits.append((entry_id, score))
            if len(best_scores) < limit:
                heapq.heappush(best_scores, score)
            else:
                heapq.heappushpop(best_scores, score)
        hits.sort(key=itemgetter(1), reverse=True)
        return [Hit(entry_id, score) for entry_id, score in hits[:limit]]

    def _reach(self, phrase: str) -> list[tuple[float, int]]:
        """The most `fuzz.ratio` the phrase can have with any phrase of each group, highest first.

        `fuzz.ratio` is 100 * 2 * LCS / (len(a) + len(b)); the common subsequence is made of the
        query's characters that the group's phrases use at all (`shared` of them) and is no longer
        than the other phrase, so the ratio is at most 200 * shared / (len(a) + shared). A query in
        one script shares little more than its spaces with a group in another.
        """
        counts = Counter(phrase)
        size = len(phrase)
        reach: list[tuple[float, int]] = []
        for script, letters in enumerate(self._script_letters):
            shared = sum(counts[ch] for ch in letters.intersection(counts))
            if shared:
                reach.append((200.0 * shared / (size + shared), script))
        reach.sort(reverse=True)
        return reach
