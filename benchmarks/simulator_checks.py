"""The simulator's check of every request and answer against Discord's API description.

Runs the load benchmark's mix of interactions (FAQ searches, RSVPs, onboarding Start, `/event list`;
300 by default, `--count N`) through the strict simulator and keeps every request and answer the
checker saw. Then it checks them all again, in order, with a fresh checker each round: as the
simulator does (the compiled yes/no tests of `bot.simulator.fits` first, the rule-by-rule walk of
`Schemas` only for what does not fit) and with the rule-by-rule walk for everything, as before the
compiled tests. Rounds alternate; it prints the median and the range of the time per request and
its answer, and how many violations each way found (the same, or the checker is broken).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.load_interactions import build_payloads, prepare, shape
from bot.simulator import Simulator, conformance
from bot.simulator.harness import seed_guild

Request = tuple[str, str, dict[str, Any], Any, bool]
Answer = tuple[str, str, int, Any]


async def record(count: int) -> tuple[list[Request], list[Answer]]:
    """Every request and answer the checker sees while `count` interactions run."""
    requests: list[Request] = []
    answers: list[Answer] = []
    plain_request, plain_response = conformance.Conformance.check_request, conformance.Conformance.check_response

    def check_request(self: conformance.Conformance, method: str, path: str, query: Any, body: Any,
                      has_files: bool) -> Any:
        requests.append((method, path, copy.deepcopy(dict(query)), copy.deepcopy(body), has_files))
        return plain_request(self, method, path, query, body, has_files)

    def check_response(self: conformance.Conformance, method: str, path: str, status: int, body: Any) -> Any:
        answers.append((method, path, status, copy.deepcopy(body)))
        return plain_response(self, method, path, status, body)

    conformance.Conformance.check_request = check_request  # type: ignore[method-assign]
    conformance.Conformance.check_response = check_response  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            async with Simulator.running(Path(tmp) / "bot.db", start=datetime(2026, 12, 1, 10, tzinfo=UTC),
                                         seed=seed_guild) as sim:
                sim.running_bot.rate_limiter._burst = 1e9
                announcement, start = await prepare(sim, count)
                await shape(sim, build_payloads(sim, count, announcement, start), 0.0)
    finally:
        conformance.Conformance.check_request = plain_request  # type: ignore[method-assign]
        conformance.Conformance.check_response = plain_response  # type: ignore[method-assign]
    return requests, answers


def rule_by_rule(checker: conformance.Conformance) -> conformance.Conformance:
    """The checker with its compiled tests answering "no" to everything: every value walks `Schemas`."""
    def never(value: Any) -> bool:
        return False

    checker.fit_all()
    for operations in checker._by_method.values():
        for operation in operations:
            operation.path_fits = dict.fromkeys(operation.path_fits, never)
            operation.query_fits = dict.fromkeys(operation.query_fits, never)
            operation.body_fits = never if operation.body_fits else None
            operation.response_fits = {status: never if fit else None
                                       for status, fit in operation.response_fits.items()}
    return checker


def replay(checker: conformance.Conformance, requests: list[Request], answers: list[Answer]) -> tuple[float, int]:
    """Seconds for every request and answer, and the violations found."""
    found = 0
    began = time.perf_counter()
    for method, path, query, body, has_files in requests:
        found += len(checker.check_request(method, path, query, body, has_files)[1])
    for method, path, status, body in answers:
        found += len(checker.check_response(method, path, status, body))
    return time.perf_counter() - began, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="50 interactions, 3 rounds (CI)")
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    count = args.count or (50 if args.small else 300)
    rounds = args.rounds or (3 if args.small else 7)
    requests, answers = asyncio.run(record(count))
    description = json.loads(conformance.DESCRIPTION_PATH.read_text(encoding="utf-8"))
    began = time.perf_counter()
    checkers = {"compiled": conformance.Conformance(description)}
    compile_seconds = time.perf_counter() - began
    # The first replay compiles the tests of the routes and schemas it meets (once per process).
    first_seconds, _ = replay(checkers["compiled"], requests, answers)
    checkers["rule by rule"] = rule_by_rule(conformance.Conformance(description))
    times: dict[str, list[float]] = {"compiled": [], "rule by rule": []}
    found: dict[str, int] = {}
    load = os.getloadavg()[0]
    for _ in range(rounds):
        for name, checker in checkers.items():
            checker._seen.clear()  # every round checks every body: no result remembered from the last
            checker._routes.clear()
            seconds, found[name] = replay(checker, requests, answers)
            times[name].append(seconds / len(requests) * 1e6)
    print(f"{len(requests)} requests and {len(answers)} answers of {count} interactions, {rounds} rounds each way, "
          f"alternated (load {load:.1f}); loading the checker {compile_seconds:.2f} s, its first replay "
          f"(compiling the tests it meets) {first_seconds:.2f} s")
    for name, values in times.items():
        print(f"  {name:13s} median {statistics.median(values):6.1f} us per request and its answer "
              f"({min(values):.1f}-{max(values):.1f}); violations found {found[name]}")
    if found["compiled"] != found["rule by rule"]:
        print("  THE TWO WAYS FOUND DIFFERENT VIOLATIONS")


if __name__ == "__main__":
    main()
