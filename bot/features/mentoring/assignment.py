"""A matching round: the optimal assignment of newcomers to mentor places, and a greedy baseline.

The problem is a maximum-weight bipartite matching with capacities: each newcomer gets at most one
mentor, each mentor at most their remaining capacity, and only allowed pairs (see `scoring.Rules`)
count. Every mentor place becomes a column (a mentor with capacity 2 is two identical columns), each
newcomer a row, and the cell is the pair's score, 0 when a hard rule forbids it.

Library: SciPy's `scipy.sparse.csgraph.min_weight_full_bipartite_matching` (LAPJVsp, a sparse
shortest augmenting path method in C), first on each newcomer's best few mentors only, then proved
optimal for the whole matrix with dual potentials (see `_sparse_optimum`): exact, deterministic for
a given matrix, and measured by benchmarks/mentoring_round.py. The dense
`scipy.optimize.linear_sum_assignment` on one column per place (`dense_assignment`) reaches the same
total and stays as the reference the tests and the benchmark compare against; at 5,000 x 2,500 with
capacity 2 it took 6-9 s, most of a round. Splitting the pool by shared language does not help here:
nearly everyone speaks Swedish or English, so in the benchmark's 5,000 x 2,500 pool one connected
component holds 7,288 of the 7,500 people (the rest share no language with anyone). A dense min-cost
flow in networkx was two orders of magnitude slower and used far more memory; OR-Tools would be a
heavy extra dependency. NumPy (about 11 MiB) is imported inside the functions that use it, so that a
bot that never runs a round never loads it; SciPy likewise (about 50 MiB and 0.4 s). The sparse
matcher holds the GIL, so a large round runs in a worker process (see `run_round`).

Why forbidden cells are 0: every allowed pair scores at least 1, and a newcomer who gets no allowed
pair stays unmatched (a private "stay unmatched" column in the sparse problem, a forbidden 0 cell
in the dense one); a forbidden pair is never proposed.

Determinism: rows are ordered by (request time, user id), columns by (mentor since, user id, place),
scores are integers, and the solver is deterministic, so the same pool always gives the same round.
The score matrix is computed with NumPy from the same integer weights as `Rules.fit`, which explains
the chosen pairs (tests check that both agree).
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import pickle
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from bot.features.mentoring.model import MAX_LEVEL, SPOKEN_LANGUAGES, TOPICS, Profile, canonical_topic
from bot.features.mentoring.scoring import Reason, Rules, offered_topics

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

#: Why a newcomer stayed unmatched in a round.
UNMATCHED_NO_LANGUAGE = "no_language"
UNMATCHED_EXCLUDED = "excluded"
UNMATCHED_PAUSED = "paused"
UNMATCHED_FULL = "full"
UNMATCHED_COMPETITION = "competition"


@dataclass(frozen=True, slots=True)
class Pair:
    """A proposed pair with its score and reasons."""

    mentor_id: int
    newcomer_id: int
    score: int
    reasons: tuple[Reason, ...]


@dataclass(slots=True)
class RoundResult:
    """The outcome of a round: pairs (in newcomer order) and why the others stay unmatched."""

    pairs: list[Pair] = field(default_factory=list)
    unmatched: dict[int, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """The total score of the round."""
        return sum(p.score for p in self.pairs)


def _order(profile: Profile) -> tuple[datetime, int]:
    return (profile.created_at or _EPOCH, profile.user_id)


def score_matrix(newcomers: Sequence[Profile], mentors: Sequence[Profile], rules: Rules) -> np.ndarray:
    """Scores (newcomers x mentors, int64) with 0 where a hard rule forbids the pair (vectorised `Rules.fit`)."""
    import numpy as np
    return _scored(newcomers, mentors, rules)[0].astype(np.int64)


def _levels(profiles: Sequence[Profile], index: dict[str, int], level: int,
            close: dict[str, set[str]] | None = None) -> np.ndarray:
    """1 where the person speaks a language at `level` or better (or, with `close`, a language close to it)."""
    import numpy as np
    out = np.zeros((len(profiles), len(index)), dtype=np.float32)
    for i, p in enumerate(profiles):
        for code, have in p.languages.items():
            if have < level:
                continue
            targets = close.get(code, ()) if close is not None else (code,)
            for target in targets:
                if target in index:
                    out[i, index[target]] = 1.0
    return out


def _best_shared_level(newcomers: Sequence[Profile], mentors: Sequence[Profile], index: dict[str, int],
                       close: dict[str, set[str]] | None = None) -> np.ndarray:
    """The best level (0..MAX_LEVEL) at which each pair shares a language (or, with `close`, a close one).

    One matrix product for all levels: the newcomer's level-k indicators carry the weight radix**(k-1)
    with radix above the number of languages, so a cell holds the count of languages shared at
    level 1 plus radix times the count at level 2, and so on. Levels are nested (speaking at 3 is
    also speaking at 2), so "shares at level k" is "the cell is at least radix**(k-1)".
    """
    import numpy as np
    radix = float(len(index) + 1)
    exact = np.float32 if radix**MAX_LEVEL <= 2**24 else np.float64
    left = np.hstack([_levels(newcomers, index, k) * radix ** (k - 1) for k in range(1, MAX_LEVEL + 1)])
    right = np.hstack([_levels(mentors, index, k, close) for k in range(1, MAX_LEVEL + 1)])
    code = left.astype(exact) @ right.astype(exact).T
    level = np.zeros(code.shape, dtype=np.float32)
    for k in range(1, MAX_LEVEL + 1):
        np.add(level, code >= radix ** (k - 1), out=level)
    return level


def _features(newcomers: Sequence[Profile], mentors: Sequence[Profile], rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """Weighted 0/1 feature rows whose product is the help + interest + availability + area points."""
    import numpy as np
    w = rules.points
    columns: dict[tuple[str, str], int] = {}

    def col(kind: str, code: str) -> int:
        return columns.setdefault((kind, code), len(columns))

    for code in TOPICS:
        col("help", code)
    for p in (*newcomers, *mentors):
        for code in p.help:
            col("help", code)
        for code in p.interests:
            col("interest", code)
        for code in p.availability:
            col("availability", code)
        if p.area:
            col("area", p.area.casefold())
    left = np.zeros((len(newcomers), max(1, len(columns))), dtype=np.float32)
    right = np.zeros((len(mentors), max(1, len(columns))), dtype=np.float32)
    for i, p in enumerate(newcomers):
        for code in p.help:
            left[i, col("help", code)] = w["help"]
        for code in p.interests:
            left[i, col("interest", code)] = w["interest"]
        for code in p.availability:
            left[i, col("availability", code)] = w["availability"]
        if p.area:
            left[i, col("area", p.area.casefold())] = w["area"]
    help_columns = [(code, k) for (kind, code), k in columns.items() if kind == "help"]
    for j, p in enumerate(mentors):
        offered = offered_topics(p.help)
        for code, k in help_columns:
            if code in offered or canonical_topic(code) in offered:
                right[j, k] = 1.0
        for code in p.interests:
            right[j, col("interest", code)] = 1.0
        for code in p.availability:
            right[j, col("availability", code)] = 1.0
        if p.area:
            right[j, col("area", p.area.casefold())] = 1.0
    return left, right


def _language_points(newcomers: Sequence[Profile], mentors: Sequence[Profile],
                     rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """(language points per pair as float32, shares-a-language mask), both newcomers x mentors.

    Many people list the same languages at the same levels, so the levels are computed once per
    distinct pair of language lists (`_best_shared_level`, a few hundred by a few hundred in a
    large pool) and then spread to every pair by indexing, instead of over every pair.
    """
    import numpy as np
    w = rules.points

    def distinct(people: Sequence[Profile]) -> tuple[list[Profile], np.ndarray]:
        seen: dict[tuple[tuple[str, int], ...], int] = {}
        picks: list[Profile] = []
        kinds = np.empty(len(people), dtype=np.intp)
        for k, p in enumerate(people):
            key = tuple(sorted(p.languages.items()))
            kind = seen.get(key)
            if kind is None:
                kind = seen[key] = len(picks)
                picks.append(p)
            kinds[k] = kind
        return picks, kinds

    some_newcomers, newcomer_kind = distinct(newcomers)
    some_mentors, mentor_kind = distinct(mentors)
    lang_index = {code: i for i, code in enumerate(SPOKEN_LANGUAGES)}
    for profile in (*some_newcomers, *some_mentors):
        for code in profile.languages:
            lang_index.setdefault(code, len(lang_index))
    direct = _best_shared_level(some_newcomers, some_mentors, lang_index)
    close = (_best_shared_level(some_newcomers, some_mentors, lang_index, rules.close) if rules.close
             else np.zeros_like(direct))
    has_direct = direct > 0
    sharing = has_direct | (close > 0)
    # The close-language points count only without a shared language.
    points = np.where(has_direct, direct * w["language"], close * w["close_language"]).astype(np.float32)
    spread = np.take(points[newcomer_kind], mentor_kind, axis=1)
    return spread, np.take(sharing[newcomer_kind], mentor_kind, axis=1)


def _scored(newcomers: Sequence[Profile], mentors: Sequence[Profile],
            rules: Rules) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(scores as float32 whole numbers with forbidden pairs at 0, shares-a-language mask, paused mask).

    Whole-matrix arithmetic (BLAS products of small 0/1 or weight matrices) so that 5,000 x 2,500
    pairs take a fraction of a second. Every value is a whole number far below 2**24, so float32
    sums are exact in any order. Levels are 1..3 (see `_best_shared_level`).
    """
    import numpy as np
    n, m = len(newcomers), len(mentors)
    if n == 0 or m == 0:
        return np.zeros((n, m), dtype=np.float32), np.zeros((n, m), dtype=bool), np.zeros(m, dtype=bool)
    w = rules.points
    points, shares = _language_points(newcomers, mentors, rules)
    left, right = _features(newcomers, mentors, rules)
    score = left @ right.T
    score += points
    del points
    score += w["base"]
    np.maximum(score, 1, out=score)
    np.multiply(score, shares, out=score)  # no shared language: forbidden

    paused = np.zeros(m, dtype=bool)
    if rules.today is not None:
        paused = np.array([p.paused_on(rules.today) for p in mentors], dtype=bool)
        score[:, paused] = 0
    n_pos = {p.user_id: i for i, p in enumerate(newcomers)}
    m_pos = {p.user_id: j for j, p in enumerate(mentors)}
    for mentor_id, newcomer_id in rules.excluded:
        if mentor_id in m_pos and newcomer_id in n_pos:
            score[n_pos[newcomer_id], m_pos[mentor_id]] = 0
    for user_id in n_pos.keys() & m_pos.keys():  # nobody mentors themselves
        score[n_pos[user_id], m_pos[user_id]] = 0
        shares[n_pos[user_id], m_pos[user_id]] = False
    return score, shares, paused


def optimal_assignment(scores: np.ndarray, capacities: Sequence[int]) -> list[tuple[int, int]]:
    """The (row, mentor) pairs of a maximum-total assignment; forbidden (0) cells never appear.

    Solved on a sparse graph (each newcomer's best `_FIRST_EDGES` mentors), then proved optimal
    for the whole matrix with dual potentials; pairs the proof finds missing are added and the
    sparse problem solved again (see `_sparse_optimum`). Same total as `dense_assignment`.
    """
    prepared = _prepare(scores, capacities)
    if prepared is None:
        return []
    rows, cols, matrix, caps = prepared
    chosen = _sparse_optimum(matrix, caps)
    pairs = [(int(rows[i]), int(cols[k])) for i, k in chosen]
    pairs.sort()
    return pairs


def dense_assignment(scores: np.ndarray, capacities: Sequence[int]) -> list[tuple[int, int]]:
    """The same optimum with SciPy's dense `linear_sum_assignment` (one column per place): the reference."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment  # lazy: ~50 MiB and 0.4 s

    prepared = _prepare(scores, capacities)
    if prepared is None:
        return []
    rows, cols, matrix, caps = prepared
    places = np.repeat(np.arange(len(cols)), caps)
    dense = matrix[:, places].astype(np.float64)
    r, c = linear_sum_assignment(dense, maximize=True)
    pairs = [(int(rows[i]), int(cols[places[k]])) for i, k in zip(r, c, strict=True) if dense[i, k] > 0]
    pairs.sort()
    return pairs


#: How many of each newcomer's best mentors the first sparse solve considers.
_FIRST_EDGES = 24


def _prepare(scores: np.ndarray, capacities: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                     np.ndarray] | None:
    """Rows and mentors with at least one allowed pair (and a free place), their scores and capacities.

    A mentor never needs more places than the newcomers who may take them.
    """
    import numpy as np
    if scores.size == 0:
        return None
    caps = np.maximum(np.asarray(capacities, dtype=np.int64), 0)
    allowed = scores > 0
    rows = np.flatnonzero(allowed.any(axis=1))
    cols = np.flatnonzero(allowed.any(axis=0) & (caps > 0))
    if rows.size == 0 or cols.size == 0:
        return None
    matrix = scores[np.ix_(rows, cols)]
    caps = np.minimum(caps[cols], (matrix > 0).sum(axis=0))
    return rows, cols, matrix, caps


def _sparse_optimum(scores: np.ndarray, caps: np.ndarray) -> list[tuple[int, int]]:
    """(row, column) pairs of a maximum-total assignment of `scores` (every row has an allowed pair).

    The formulation: every row must take exactly one column of a sparse cost matrix whose columns
    are the mentors' places (capacity 2 = two columns) plus one private "stay unmatched" column per
    row; the cost of a pair is `top - score` and of staying unmatched `top` (with `top` above every
    score), so the cheapest full matching is the highest-scoring partial one. SciPy's
    `min_weight_full_bipartite_matching` (LAPJVsp) solves it exactly on the pairs kept so far.

    The proof for the pairs left out: a matching is optimal exactly when its residual graph has no
    negative cycle. Bellman-Ford (vectorised, from a virtual source) gives potentials under which
    every kept residual edge has a non-negative reduced cost; a left-out pair whose reduced cost is
    also non-negative cannot create a negative cycle. Left-out pairs that fail are added, with
    those within `_SLACK` of failing (so that the next solve rarely needs another), and the sparse
    problem solved again, until none fails (usually 2 solves on the benchmark's pools). The
    whole-matrix passes are integer comparisons over blocks of rows; every cost is a whole number.
    """
    import numpy as np
    from scipy.sparse import csr_matrix  # lazy: see the module docstring
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    n, m = scores.shape
    values = scores  # a private copy (see `_prepare`): it becomes the pairs left out
    if values.dtype.kind not in "fi":  # booleans or unsigned numbers: signed, so that `never` is below all
        values = values.astype(np.int64)
    top = int(values.max()) + 1
    first = min(_FIRST_EDGES, m)
    # Each row's pairs scoring at least about its `first`-best score: estimated on every `step`-th
    # mentor (a sort of a few hundred columns is far cheaper than a selection over all of them);
    # the proof below makes the result exact whatever is kept first.
    if first < m:
        step = max(1, m // _SAMPLE_COLUMNS)
        sample = np.sort(values[:, ::step], axis=1)
        threshold = sample[:, max(0, sample.shape[1] - -(-first // step))]
        keep = values >= threshold[:, None]
    else:
        keep = np.ones(values.shape, dtype=bool)
    allowed = values > 0
    keep &= allowed
    r, j = np.nonzero(keep)
    kept_score = values[r, j]
    # From here `values` holds the scores of the pairs left out, and `never` where a pair is
    # forbidden or already kept: what the proof checks.
    never = -np.inf if np.issubdtype(values.dtype, np.floating) else np.iinfo(values.dtype).min
    values[keep | ~allowed] = never
    del keep, allowed
    start = np.concatenate([[0], np.cumsum(caps)[:-1]]).astype(np.int64)  # each mentor's first place
    places = int(caps.sum())
    owner = np.repeat(np.arange(m), caps)  # the mentor of each place
    unmatched_cost = np.full(n, float(top))
    block = max(1, _BLOCK_CELLS // max(1, m))
    every_row = np.arange(n)
    while True:
        copies = caps[j]
        edge_row = np.repeat(r, copies)
        edge_cost = np.repeat(top - kept_score.astype(np.float64), copies)
        offset = np.arange(edge_row.size) - np.repeat(np.cumsum(copies) - copies, copies)
        edge_place = np.repeat(start[j], copies) + offset
        graph = csr_matrix(
            (np.concatenate([edge_cost, unmatched_cost]),
             (np.concatenate([edge_row, every_row]), np.concatenate([edge_place, places + every_row]))),
            shape=(n, places + n),
        )
        match = min_weight_full_bipartite_matching(graph)[1]
        on_place = match < places
        row_cost = np.asarray(graph[every_row, match]).ravel()  # the cost of what each row took
        place_row = np.full(places, -1, dtype=np.int64)
        place_row[match[on_place]] = np.flatnonzero(on_place)
        potential, pool = _potentials(n, float(top), edge_row, edge_place, edge_cost, match, on_place, place_row,
                                      row_cost)
        place_potential = np.full(places, pool)
        busy = place_row >= 0
        place_potential[busy] = potential[place_row[busy]] + row_cost[place_row[busy]]
        mentor_potential = np.maximum.reduceat(place_potential, start)
        # A left-out pair fails when top - score + potential[row] < mentor_potential, that is when
        # score > top + potential[row] - mentor_potential (all whole numbers); it is added, and so
        # is every pair within `_SLACK` of failing.
        row_bound = np.rint(top + potential).astype(np.int64)
        mentor_bound = np.rint(mentor_potential).astype(np.int64)
        failed = False
        add_r, add_j, add_score = [], [], []
        for lo in range(0, n, block):
            hi = min(n, lo + block)
            bound = row_bound[lo:hi, None] - mentor_bound[None, :]
            chunk = values[lo:hi]
            cr, cj = np.nonzero(chunk > bound - _SLACK)
            if cr.size:
                near = chunk[cr, cj]
                failed = failed or bool((near > bound[cr, cj]).any())
                add_r.append(cr + lo)
                add_j.append(cj)
                add_score.append(near)
        if not failed:
            break
        new_r, new_j = np.concatenate(add_r), np.concatenate(add_j)
        values[new_r, new_j] = never
        r, j = np.concatenate([r, new_r]), np.concatenate([j, new_j])
        kept_score = np.concatenate([kept_score, *add_score])
    return [(int(i), int(owner[match[i]])) for i in np.flatnonzero(on_place)]


#: Left-out pairs within this much (a thousandth of a point each) of failing the proof are added with those that fail.
_SLACK = 2000
#: About how many mentors the first pairs' threshold is estimated on.
_SAMPLE_COLUMNS = 600
#: Cells per block of the proof's whole-matrix pass (a block's temporary arrays stay small).
_BLOCK_CELLS = 1 << 18


def _potentials(n: int, top: float, edge_row: np.ndarray, edge_place: np.ndarray, edge_cost: np.ndarray,
                match: np.ndarray, on_place: np.ndarray, place_row: np.ndarray,
                row_cost: np.ndarray) -> tuple[np.ndarray, float]:
    """Shortest distances in the residual graph of a matching, folded onto rows (node n: the free places).

    Edges: a row to the row holding a place it could take (its cost minus that row's cost), a row to
    the free places (its cost), a matched row to the free places (leaving its unmatched column free
    costs `top`, which equals its own unmatched cost), and the free places to every row (the row's
    cost, negated: that row gives up what it holds). Vectorised Bellman-Ford: every round relaxes
    at once the edges out of the nodes whose distance fell in the round before (all of them in the
    first); an optimal matching has no negative cycle, so it ends within n + 1 rounds.
    """
    import numpy as np
    pool = n
    other = match[edge_row] != edge_place
    src, place, cost = edge_row[other], edge_place[other], edge_cost[other]
    holder = place_row[place]
    free = holder < 0
    matched_rows = np.flatnonzero(on_place)
    tails = np.concatenate([src[~free], src[free], matched_rows, np.full(n, pool)])
    heads = np.concatenate([holder[~free], np.full(int(free.sum()), pool), np.full(matched_rows.size, pool),
                            np.arange(n)])
    weights = np.concatenate([cost[~free] - row_cost[holder[~free]], cost[free], np.full(matched_rows.size, top),
                              -row_cost])
    order = np.argsort(tails, kind="stable")
    tails, heads, weights = tails[order], heads[order], weights[order]
    first_edge = np.searchsorted(tails, np.arange(n + 2))  # node k's edges: first_edge[k]:first_edge[k + 1]
    distance = np.zeros(n + 1)
    active = np.arange(n + 1)
    for _ in range(n + 2):
        # Only the edges out of nodes whose distance fell in the last round can lower another's.
        begin, counts = first_edge[active], first_edge[active + 1] - first_edge[active]
        edges = np.repeat(begin - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        candidate = distance[tails[edges]] + weights[edges]
        head = heads[edges]
        better = candidate < distance[head]
        if not better.any():
            return distance[:n], float(distance[pool])
        head, candidate = head[better], candidate[better]
        np.minimum.at(distance, head, candidate)
        active = np.unique(head)
    raise RuntimeError("the sparse matching is not optimal (negative cycle)")  # cannot happen


def greedy_assignment(scores: np.ndarray, capacities: Sequence[int]) -> list[tuple[int, int]]:
    """The simple baseline: in arrival order, each newcomer takes the best mentor with a free place."""
    import numpy as np
    left = np.array(capacities, dtype=np.int64)
    pairs: list[tuple[int, int]] = []
    for i in range(scores.shape[0]):
        row = np.where(left > 0, scores[i], 0)
        j = int(np.argmax(row)) if row.size else 0
        if row.size and row[j] > 0:
            pairs.append((i, j))
            left[j] -= 1
    return pairs


def plan_round(
    newcomers: Sequence[Profile],
    mentors: Sequence[Profile],
    rules: Rules,
    remaining: dict[int, int] | None = None,
) -> RoundResult:
    """Propose the optimal pairs for a pool (synchronous; see `run_round` for the bot)."""
    import numpy as np
    newcomers = sorted(newcomers, key=_order)
    mentors = sorted(mentors, key=_order)
    remaining = remaining if remaining is not None else {m.user_id: m.capacity for m in mentors}
    capacities = [max(0, remaining.get(m.user_id, m.capacity)) for m in mentors]
    scores, shares, paused = _scored(newcomers, mentors, rules)
    chosen = optimal_assignment(scores, capacities)
    result = RoundResult()
    matched: set[int] = set()
    for i, j in chosen:
        fit = rules.fit(mentors[j], newcomers[i])
        if fit is None:  # cannot happen: the matrix and the rules agree
            continue
        result.pairs.append(Pair(mentors[j].user_id, newcomers[i].user_id, fit.score, fit.reasons))
        matched.add(i)
    free = np.array(capacities, dtype=np.int64) > 0
    for i, newcomer in enumerate(newcomers):
        if i in matched:
            continue
        sharing = shares[i]
        if not sharing.any():
            why = UNMATCHED_NO_LANGUAGE
        elif not (scores[i] > 0).any():
            excluded = np.array([(m.user_id, newcomer.user_id) in rules.excluded for m in mentors], dtype=bool)
            why = UNMATCHED_PAUSED if (sharing & ~excluded & paused).any() else UNMATCHED_EXCLUDED
        elif not (free & (scores[i] > 0)).any():
            why = UNMATCHED_FULL
        else:
            why = UNMATCHED_COMPETITION
        result.unmatched[newcomer.user_id] = why
    return result


#: From this many newcomer x mentor cells on, a round runs in a worker process (see `run_round`).
PROCESS_CELLS = 250_000


async def run_round(
    newcomers: Sequence[Profile],
    mentors: Sequence[Profile],
    rules: Rules,
    remaining: dict[int, int] | None = None,
) -> RoundResult:
    """`plan_round` off the event loop, so that the bot keeps answering while a round is computed.

    A small pool (under `PROCESS_CELLS` newcomer x mentor cells) runs in a worker thread. A large
    one runs in a fresh worker process (`python -m bot.features.mentoring.worker`): SciPy's sparse
    matching holds the GIL for its whole call (about 0.2 s per solve at 5,000 x 2,500), which in a
    thread would stall the event loop that long. The process is started first, so that its
    imports (NumPy and SciPy) run while the pool is written to it; the pool goes as plain tuples
    in pickled frames, and the pairs come back the same way, each frame a millisecond or two of the
    loop's time. The process lives for one round (its start and imports are inside the round
    time that benchmarks/mentoring_round.py measures), so an idle bot keeps no second interpreter in
    memory. The result is the same as `plan_round`'s: the same code on the same input.
    """
    if len(newcomers) * len(mentors) < PROCESS_CELLS:
        return await asyncio.to_thread(plan_round, newcomers, mentors, rules, remaining)
    root = str(Path(__file__).resolve().parents[3])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    try:
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.features.mentoring.worker", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
        )
    except OSError as exc:  # no process can be started here: the round still runs, in a thread
        log.warning("mentoring round worker could not start (%s); computing the round in a thread", exc)
        return await asyncio.to_thread(plan_round, newcomers, mentors, rules, remaining)
    assert worker.stdin is not None and worker.stdout is not None and worker.stderr is not None
    errors = asyncio.ensure_future(worker.stderr.read())
    try:
        try:
            for frame in _pool_frames(newcomers, mentors, rules, remaining):
                worker.stdin.write(frame)
                await worker.stdin.drain()  # also a turn of the loop between frames
            worker.stdin.close()
        except (BrokenPipeError, ConnectionResetError):  # the worker ended early: its error says why
            pass
        out = await worker.stdout.read()
        await worker.wait()
        err = await errors
    except BaseException:  # cancelled: do not leave the worker computing
        errors.cancel()
        if worker.returncode is None:
            worker.kill()
            await worker.wait()
        raise
    if worker.returncode != 0:
        detail = err.decode(errors="replace")[-500:]
        raise RuntimeError(f"the mentoring round worker failed ({worker.returncode}): {detail}")
    # Our own child's answer on a private pipe, read frame by frame so that the loop keeps turning.
    reader = io.BytesIO(out)
    result = RoundResult(unmatched=pickle.load(reader))  # noqa: S301
    reasons: dict[tuple[str, tuple[str, ...]], Reason] = {}
    while reader.tell() < len(out):
        await asyncio.sleep(0)
        for mentor_id, newcomer_id, score, why in pickle.load(reader):  # noqa: S301
            result.pairs.append(Pair(mentor_id, newcomer_id, score,
                                     tuple(reasons.get(r) or reasons.setdefault(r, Reason(*r)) for r in why)))
    return result


#: Profiles or pairs per pickled frame between `run_round` and its worker (each a millisecond or two).
_FRAME = 500


def _as_tuple(p: Profile) -> tuple[Any, ...]:
    return (p.user_id, p.role, p.languages, p.help, p.interests, p.area, p.availability, p.capacity,
            p.paused_until, p.created_at)


def _pool_frames(newcomers: Sequence[Profile], mentors: Sequence[Profile], rules: Rules,
                 remaining: dict[int, int] | None) -> Iterator[bytes]:
    """The pool as `run_round` writes it to its worker: the rules, then the people in frames."""
    people = (list(newcomers), list(mentors))
    counts = [-(-len(group) // _FRAME) for group in people]
    yield pickle.dumps((rules, remaining, counts), protocol=pickle.HIGHEST_PROTOCOL)
    for group in people:
        for k in range(0, len(group), _FRAME):
            yield pickle.dumps([_as_tuple(p) for p in group[k:k + _FRAME]], protocol=pickle.HIGHEST_PROTOCOL)


def read_pool(stream: BinaryIO) -> tuple[list[Profile], list[Profile], Rules, dict[int, int] | None]:
    """The pool `run_round` wrote to its worker (in the worker process)."""
    rules, remaining, counts = pickle.load(stream)  # noqa: S301  (from the bot's own process)
    people: tuple[list[Profile], list[Profile]] = ([], [])
    for group, count in zip(people, counts, strict=True):
        for _ in range(count):
            group.extend(Profile(*fields) for fields in pickle.load(stream))  # noqa: S301
    return people[0], people[1], rules, remaining


def write_result(result: RoundResult, stream: BinaryIO) -> None:
    """A round's result as the worker sends it: the unmatched, then the pairs as tuples in frames."""
    pickle.dump(result.unmatched, stream, protocol=pickle.HIGHEST_PROTOCOL)
    for k in range(0, len(result.pairs), _FRAME):
        chunk = [(p.mentor_id, p.newcomer_id, p.score, tuple((r.kind, r.codes) for r in p.reasons))
                 for p in result.pairs[k:k + _FRAME]]
        pickle.dump(chunk, stream, protocol=pickle.HIGHEST_PROTOCOL)


def total_of(scores: np.ndarray, pairs: Sequence[tuple[int, int]]) -> int:
    """The total score of (row, mentor) pairs."""
    return int(sum(round(float(scores[i, j])) for i, j in pairs))


def describe(result: RoundResult) -> dict[str, Any]:
    """A plain summary (for logs and benchmarks: ids and counts only)."""
    return {"pairs": len(result.pairs), "unmatched": len(result.unmatched), "total": result.total}
