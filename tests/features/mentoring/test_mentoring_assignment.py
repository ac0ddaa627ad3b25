"""The hard rules, the score and the optimal assignment, against brute force on small pools."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from bot.features.mentoring.assignment import (
    UNMATCHED_EXCLUDED,
    UNMATCHED_FULL,
    UNMATCHED_NO_LANGUAGE,
    UNMATCHED_PAUSED,
    dense_assignment,
    greedy_assignment,
    optimal_assignment,
    plan_round,
    run_round,
    score_matrix,
)
from bot.features.mentoring.model import AVAILABILITY, INTERESTS, MENTOR, NEWCOMER, TOPICS, Profile
from bot.features.mentoring.scoring import Rules

T0 = datetime(2026, 11, 1, tzinfo=UTC)
LANGS = ["sv", "en", "ar", "prs", "fa", "so", "ti", "uk", "no"]
AREAS = ["Norsjö", "Bastuträsk", "Kusfors", None]


def mentor(uid: int, langs: dict[str, int], **kw) -> Profile:
    return Profile(uid, MENTOR, langs, created_at=T0 + timedelta(minutes=uid), **kw)


def newcomer(uid: int, langs: dict[str, int], **kw) -> Profile:
    return Profile(uid, NEWCOMER, langs, created_at=T0 + timedelta(minutes=uid), **kw)


def random_profile(rng: random.Random, uid: int, role: str) -> Profile:
    langs = {code: rng.randint(1, 3) for code in rng.sample(LANGS, rng.randint(1, 2))}
    return Profile(
        uid, role, langs,
        help=tuple(rng.sample(TOPICS, rng.randint(0, 3))),
        interests=tuple(rng.sample(list(INTERESTS), rng.randint(0, 3))),
        area=rng.choice(AREAS),
        availability=tuple(rng.sample(list(AVAILABILITY), rng.randint(0, 2))),
        capacity=rng.randint(1, 2) if role == MENTOR else 1,
        paused_until=date(2026, 12, 31) if role == MENTOR and rng.random() < 0.15 else None,
        created_at=T0 + timedelta(minutes=rng.randint(0, 10_000)),
    )


def brute_force(newcomers: list[Profile], mentors: list[Profile], rules: Rules) -> int:
    """The best total over every way to give each newcomer one allowed mentor or none."""
    best = 0

    def walk(i: int, left: dict[int, int], total: int) -> None:
        nonlocal best
        if i == len(newcomers):
            best = max(best, total)
            return
        walk(i + 1, left, total)
        for m in mentors:
            fit = rules.fit(m, newcomers[i])
            if fit is not None and left[m.user_id] > 0:
                left[m.user_id] -= 1
                walk(i + 1, left, total + fit.score)
                left[m.user_id] += 1

    walk(0, {m.user_id: m.capacity for m in mentors}, 0)
    return best


@pytest.mark.parametrize("seed", range(40))
def test_round_is_optimal_against_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    mentors = [random_profile(rng, 100 + k, MENTOR) for k in range(rng.randint(1, 4))]
    newcomers = [random_profile(rng, 200 + k, NEWCOMER) for k in range(rng.randint(1, 6))]
    excluded = {(m.user_id, n.user_id) for m in mentors for n in newcomers if rng.random() < 0.1}
    rules = Rules(excluded=excluded, today=date(2026, 12, 1))
    result = plan_round(newcomers, mentors, rules)
    assert result.total == brute_force(newcomers, mentors, rules)
    # Hard rules hold for every proposed pair.
    load: dict[int, int] = {}
    by_id = {p.user_id: p for p in (*mentors, *newcomers)}
    for pair in result.pairs:
        assert rules.fit(by_id[pair.mentor_id], by_id[pair.newcomer_id]) is not None
        assert (pair.mentor_id, pair.newcomer_id) not in excluded
        load[pair.mentor_id] = load.get(pair.mentor_id, 0) + 1
    for mentor_id, count in load.items():
        assert count <= by_id[mentor_id].capacity
    assert len({p.newcomer_id for p in result.pairs}) == len(result.pairs)


@pytest.mark.parametrize("seed", range(5))
def test_vectorised_scores_equal_the_explained_scores(seed: int) -> None:
    rng = random.Random(seed)
    mentors = [random_profile(rng, 100 + k, MENTOR) for k in range(12)]
    newcomers = [random_profile(rng, 200 + k, NEWCOMER) for k in range(15)]
    rules = Rules(today=date(2026, 12, 1), weights={"area": 2.5, "help": 4})
    matrix = score_matrix(newcomers, mentors, rules)
    for i, n in enumerate(newcomers):
        for j, m in enumerate(mentors):
            fit = rules.fit(m, n)
            assert matrix[i, j] == (0 if fit is None else fit.score)


def test_no_pair_without_a_shared_language() -> None:
    mentors = [mentor(1, {"sv": 3})]
    newcomers = [newcomer(2, {"ti": 3})]
    result = plan_round(newcomers, mentors, Rules())
    assert result.pairs == []
    assert result.unmatched == {2: UNMATCHED_NO_LANGUAGE}


def test_mutually_intelligible_languages_count_and_are_configurable() -> None:
    mentors = [mentor(1, {"fa": 3})]
    newcomers = [newcomer(2, {"prs": 3})]
    result = plan_round(newcomers, mentors, Rules())
    assert [(p.mentor_id, p.newcomer_id) for p in result.pairs] == [(1, 2)]
    assert result.pairs[0].reasons[0].kind == "close_language"
    # An organizer who removes the pair from the list gets no match.
    assert plan_round(newcomers, mentors, Rules(intelligible_pairs=[["sv", "no"]])).pairs == []
    # Swedish and Norwegian are close by default.
    assert plan_round([newcomer(3, {"no": 2})], [mentor(4, {"sv": 3})], Rules()).pairs


def test_capacity_is_never_exceeded() -> None:
    mentors = [mentor(1, {"ar": 3}, capacity=2)]
    newcomers = [newcomer(10 + k, {"ar": 3}) for k in range(5)]
    result = plan_round(newcomers, mentors, Rules())
    assert len(result.pairs) == 2
    assert set(result.unmatched.values()) == {"competition"}
    # With no places left at all, the others are told the mentors are full.
    assert plan_round(newcomers, mentors, Rules(), remaining={1: 0}).unmatched[10] == UNMATCHED_FULL


def test_paused_mentors_and_excluded_pairs_are_skipped() -> None:
    paused = mentor(1, {"so": 3}, paused_until=date(2026, 12, 24))
    result = plan_round([newcomer(2, {"so": 3})], [paused], Rules(today=date(2026, 12, 1)))
    assert result.pairs == [] and result.unmatched[2] == UNMATCHED_PAUSED
    # The day after the pause ends the mentor is back.
    assert plan_round([newcomer(2, {"so": 3})], [paused], Rules(today=date(2026, 12, 25))).pairs
    blocked = plan_round([newcomer(2, {"so": 3})], [mentor(3, {"so": 3})], Rules(excluded={(3, 2)}))
    assert blocked.pairs == [] and blocked.unmatched[2] == UNMATCHED_EXCLUDED


def test_a_forbidden_pair_is_never_forced_to_fill_a_place() -> None:
    # Two newcomers, two places, but only one allowed pair: the other newcomer stays unmatched.
    mentors = [mentor(1, {"sv": 3}), mentor(2, {"uk": 3})]
    newcomers = [newcomer(3, {"sv": 1}), newcomer(4, {"ar": 3})]
    result = plan_round(newcomers, mentors, Rules())
    assert [(p.mentor_id, p.newcomer_id) for p in result.pairs] == [(1, 3)]


def test_the_optimum_beats_arrival_order_when_it_matters() -> None:
    # Newcomer 10 arrived first and fits both; newcomer 11 fits only mentor 1.
    mentors = [mentor(1, {"ar": 3}, help=("work",)), mentor(2, {"ar": 1, "sv": 3})]
    newcomers = [newcomer(10, {"ar": 3, "sv": 3}, help=("work",)), newcomer(11, {"ar": 3}, help=("work",))]
    rules = Rules()
    result = plan_round(newcomers, mentors, rules)
    assert {(p.mentor_id, p.newcomer_id) for p in result.pairs} == {(1, 11), (2, 10)}
    scores = score_matrix(newcomers, mentors, rules)
    greedy = greedy_assignment(scores, [1, 1])
    assert sum(int(scores[i, j]) for i, j in greedy) < result.total


def test_rounds_are_deterministic_whatever_the_input_order() -> None:
    rng = random.Random(7)
    mentors = [random_profile(rng, 100 + k, MENTOR) for k in range(20)]
    newcomers = [random_profile(rng, 200 + k, NEWCOMER) for k in range(30)]
    rules = Rules(today=date(2026, 12, 1))
    first = plan_round(newcomers, mentors, rules)
    shuffled_m, shuffled_n = mentors[:], newcomers[:]
    rng.shuffle(shuffled_m)
    rng.shuffle(shuffled_n)
    again = plan_round(shuffled_n, shuffled_m, rules)
    assert first.pairs == again.pairs and first.unmatched == again.unmatched


def test_reasons_name_what_the_pair_shares() -> None:
    m = mentor(1, {"ar": 3, "sv": 3}, help=("wood_industry",), interests=("football",), area="Norsjö",
               availability=("weekends",))
    n = newcomer(2, {"ar": 3}, help=("work", "housing"), interests=("football", "music"), area="norsjö",
                 availability=("weekends", "evenings"))
    fit = Rules().fit(m, n)
    assert fit is not None
    kinds = {r.kind: r.codes for r in fit.reasons}
    assert kinds == {"language": ("ar",), "help": ("work",), "interest": ("football",), "area": ("norsjö",),
                     "availability": ("weekends",)}
    assert np.int64(fit.score) == 1000 + 3000 + 3000 + 1000 + 2000 + 1000


@pytest.mark.parametrize(("first_edges", "sample_columns", "slack", "block_cells"),
                         [(1, 600, 0, 1 << 18), (3, 600, 2000, 1 << 18), (32, 600, 2000, 1 << 18),
                          (3, 4, 500, 7), (8, 2, 0, 1)])
@pytest.mark.parametrize("seed", range(12))
def test_the_sparse_round_reaches_the_dense_solvers_total(monkeypatch: pytest.MonkeyPatch, seed: int,
                                                          first_edges: int, sample_columns: int, slack: int,
                                                          block_cells: int) -> None:
    # Random score matrices with forbidden cells, full and empty mentors and ties everywhere; with
    # only 1 or 3 first pairs per newcomer the optimality proof has to add most of the others. The
    # first pairs' threshold is also estimated on a few sampled mentors, the proof's pass runs in
    # blocks of a few rows, and pairs near failing are added or not: the total is the same.
    import bot.features.mentoring.assignment as assignment

    monkeypatch.setattr(assignment, "_FIRST_EDGES", first_edges)
    monkeypatch.setattr(assignment, "_SAMPLE_COLUMNS", sample_columns)
    monkeypatch.setattr(assignment, "_SLACK", slack)
    monkeypatch.setattr(assignment, "_BLOCK_CELLS", block_cells)
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 60)), int(rng.integers(1, 40))
    scores = rng.integers(1, 6, size=(n, m)) * 500 * (rng.random((n, m)) < rng.uniform(0.1, 0.9))
    capacities = [int(c) for c in rng.integers(0, 4, size=m)]
    sparse, dense = optimal_assignment(scores, capacities), dense_assignment(scores, capacities)
    total = sum(int(scores[i, j]) for i, j in sparse)
    assert total == sum(int(scores[i, j]) for i, j in dense)
    assert all(scores[i, j] > 0 for i, j in sparse)
    assert len({i for i, _ in sparse}) == len(sparse)  # one mentor per newcomer
    taken = np.bincount([j for _, j in sparse], minlength=m)
    assert (taken <= np.array(capacities)).all()
    assert optimal_assignment(scores, capacities) == sparse  # the same pairs every time


def test_a_large_round_through_the_rules_matches_the_dense_total() -> None:
    rng = random.Random(3)
    mentors = [random_profile(rng, 1000 + k, MENTOR) for k in range(150)]
    newcomers = [random_profile(rng, 5000 + k, NEWCOMER) for k in range(300)]
    rules = Rules(today=date(2026, 12, 1))
    ordered_n = sorted(newcomers, key=lambda p: (p.created_at, p.user_id))
    ordered_m = sorted(mentors, key=lambda p: (p.created_at, p.user_id))
    scores = score_matrix(ordered_n, ordered_m, rules)
    dense = dense_assignment(scores, [m.capacity for m in ordered_m])
    assert plan_round(newcomers, mentors, rules).total == sum(int(scores[i, j]) for i, j in dense)


async def test_a_large_round_in_the_worker_process_gives_the_same_round(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.features.mentoring.assignment as assignment

    monkeypatch.setattr(assignment, "PROCESS_CELLS", 100)  # this pool counts as large
    monkeypatch.setattr(assignment, "_FRAME", 7)  # several frames each way
    rng = random.Random(11)
    mentors = [random_profile(rng, 100 + k, MENTOR) for k in range(20)]
    newcomers = [random_profile(rng, 200 + k, NEWCOMER) for k in range(30)]
    rules = Rules(today=date(2026, 12, 1), excluded={(mentors[0].user_id, newcomers[0].user_id)})
    remaining = {mentors[1].user_id: 0}
    in_process = await run_round(newcomers, mentors, rules, remaining)
    assert in_process.pairs == plan_round(newcomers, mentors, rules, remaining).pairs
    assert in_process.unmatched == plan_round(newcomers, mentors, rules, remaining).unmatched
    assert in_process.pairs and in_process.pairs[0].reasons


async def test_a_large_round_still_runs_when_no_worker_process_can_start(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    import bot.features.mentoring.assignment as assignment

    async def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("no processes left")

    monkeypatch.setattr(assignment, "PROCESS_CELLS", 100)
    monkeypatch.setattr(asyncio, "create_subprocess_exec", refuse)
    rng = random.Random(12)
    mentors = [random_profile(rng, 100 + k, MENTOR) for k in range(15)]
    newcomers = [random_profile(rng, 200 + k, NEWCOMER) for k in range(25)]
    rules = Rules(today=date(2026, 12, 1))
    result = await run_round(newcomers, mentors, rules)
    assert result.pairs and result.pairs == plan_round(newcomers, mentors, rules).pairs
