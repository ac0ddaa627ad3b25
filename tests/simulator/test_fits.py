"""The compiled yes/no tests (`bot.simulator.fits`) agree with the rule-by-rule checker everywhere.

`Conformance` asks `Fits` first and walks `Schemas` (which names the broken rules) only when a value
does not fit, so the simulator is exactly as strict as before if and only if the two agree on every
value. They are compared here on values generated from every schema of the description (valid ones,
and the same broken on purpose: wrong types, missing required fields, unknown fields, oversize texts
and lists, numbers out of range, bad enum and `type` values, deep inside components and embeds), and
on whole requests and answers, whose violations must be the same as with `Schemas` alone.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from bot.simulator import conformance
from bot.simulator.conformance import Conformance, Schemas
from bot.simulator.fits import Fits

DESCRIPTION = json.loads(conformance.DESCRIPTION_PATH.read_text(encoding="utf-8"))
RAW = DESCRIPTION["schemas"]

#: Values that break a type, a length, a range or an enum somewhere (and a few that fit by luck).
ODD_VALUES: list[Any] = [None, True, False, 0, 1, -1, 2.0, 1.5, 10**20, "", "x", "0", "01", "123\n", "1e3",
                         "y" * 5000, [], [1], {}, {"type": 99}, float("inf"), 4, 21, "rich", "https://x"]


class Generator:
    """Values for a schema: mostly fitting, picked at random (seeded) among its branches and fields."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def value(self, node: Mapping[str, Any], depth: int = 0) -> Any:
        rng = self.rng
        if "$ref" in node:
            return self.value(RAW[node["$ref"].rsplit("/", 1)[-1]], depth)
        if "const" in node:
            return node["const"]
        if "enum" in node:
            return rng.choice(node["enum"])
        for keyword in ("oneOf", "anyOf"):
            if keyword in node:
                return self.value(rng.choice(node[keyword]), depth)
        if "allOf" in node:
            parts = [self.value(sub, depth) for sub in node["allOf"]]
            if all(isinstance(p, dict) for p in parts):
                merged: dict[str, Any] = {}
                for part in parts:
                    merged.update(part)
                return merged
            return parts[0]
        types = node.get("type", "object")
        kind = rng.choice(types) if isinstance(types, list) else types
        if kind == "null":
            return None
        if kind == "boolean":
            return rng.random() < 0.5
        if kind in ("integer", "number"):
            low, high = node.get("minimum", 0), node.get("maximum", 1 << 40)
            number = rng.randint(int(low), int(min(high, low + 1000)))
            return number if kind == "integer" or rng.random() < 0.5 else number + 0.5 * (number + 0.5 <= high)
        if kind == "string":
            if "pattern" in node:
                return str(rng.randint(0, 1 << 62))
            low, high = node.get("minLength", 0), min(node.get("maxLength", 20), 20)
            return "".join(rng.choice("abcé ö") for _ in range(rng.randint(low, max(low, high))))
        if kind == "array":
            if depth > 6 or "items" not in node:
                return []
            low, high = node.get("minItems", 0), min(node.get("maxItems", 3), 3)
            count = rng.randint(low, max(low, high))
            items = [self.value(node["items"], depth + 1) for _ in range(count)]
            if node.get("uniqueItems"):
                unique: dict[str, Any] = {json.dumps(i, sort_keys=True, default=str): i for i in items}
                items = list(unique.values())
            return items
        obj: dict[str, Any] = {}
        properties = node.get("properties", {})
        required = set(node.get("required", ()))
        for name, sub in properties.items():
            if name in required or (depth < 5 and rng.random() < 0.4):
                obj[name] = self.value(sub, depth + 1)
        extra = node.get("additionalProperties")
        if isinstance(extra, dict) and depth < 5 and rng.random() < 0.5:
            obj["extra_" + str(rng.randint(0, 9))] = self.value(extra, depth + 1)
        return obj


def places(value: Any) -> Iterator[tuple[Any, Any]]:
    """(container, key) of every nested value, to break one of them."""
    if isinstance(value, dict):
        for key in list(value):
            yield value, key
            yield from places(value[key])
    elif isinstance(value, list):
        for index in range(len(value)):
            yield value, index
            yield from places(value[index])


def broken(value: Any, rng: random.Random) -> Any:
    """The value with one thing changed somewhere inside (or the whole replaced)."""
    value = copy.deepcopy(value)
    spots = list(places(value))
    if not spots or rng.random() < 0.1:
        return rng.choice(ODD_VALUES)
    container, key = rng.choice(spots)
    change = rng.random()
    if isinstance(container, dict) and change < 0.2:
        del container[key]  # a required field missing, or an optional one left out
    elif isinstance(container, dict) and change < 0.3:
        container["zz_unknown"] = 1  # a field the description does not name
    elif isinstance(container, list) and change < 0.3:
        container.extend(copy.deepcopy(container[key]) for _ in range(rng.choice((1, 30))))  # too many, repeated
    elif isinstance(container[key], str) and change < 0.5:
        container[key] = container[key] * rng.choice((2, 300)) + "z"  # oversize, or no longer a snowflake
    elif key == "type" and change < 0.7:
        container[key] = rng.choice((0, 1, 2, 3, 4, 5, 9, 17, 40, "1", True, None))  # a union's tag
    else:
        container[key] = copy.deepcopy(rng.choice(ODD_VALUES))
    return value


def corpus(node: Mapping[str, Any], rng: random.Random, valid: int, broken_each: int) -> Iterator[Any]:
    generator = Generator(rng)
    for _ in range(valid):
        value = generator.value(node)
        yield value
        for _ in range(broken_each):
            yield broken(value, rng)


@pytest.mark.parametrize("numeric_snowflakes", [False, True], ids=["answers", "requests"])
def test_fits_agrees_with_the_checker_on_every_schema_for_fitting_and_broken_values(
        numeric_snowflakes: bool) -> None:
    rng = random.Random(17 + numeric_snowflakes)
    checker = Schemas(RAW, numeric_snowflakes=numeric_snowflakes)
    fits = Fits(RAW, numeric_snowflakes=numeric_snowflakes)
    names = {name: fits.add({"$ref": f"#/components/schemas/{name}"}) for name in RAW}
    fits.build()
    verdicts = {True: 0, False: 0}
    for name in sorted(RAW):
        check, fit = checker.ref(f"#/components/schemas/{name}"), fits[names[name]]
        for value in corpus(RAW[name], rng, valid=8, broken_each=6):
            expected = not check(value)
            assert fit(value) is expected, (name, value, check(value))
            verdicts[expected] += 1
    # Both verdicts are well represented (the comparison is not of one kind of value only).
    assert min(verdicts.values()) > 2000, verdicts


def operations_corpus(rng: random.Random) -> Iterator[tuple[str, str, Mapping[str, Any] | None, dict[str, Any]]]:
    """(method, concrete path, body schema or None, a response schema per status) of each operation."""
    for key, raw in DESCRIPTION["operations"].items():
        method, template = key.split(" ", 1)
        path = template
        for name in raw["path_parameters"]:
            path = path.replace("{" + name + "}", str(rng.randint(1, 1 << 60)) if "token" not in name else "tok")
        body = raw.get("request_body")
        yield method, path, (body or {}).get("schema"), {s: r["schema"] for s, r in raw["responses"].items()}


def test_requests_and_answers_have_the_same_violations_as_with_the_rule_by_rule_checker_alone() -> None:
    rng = random.Random(5)
    fast = Conformance(DESCRIPTION)
    thorough = Conformance(DESCRIPTION)  # every check walks `Schemas`, as before `Fits`
    thorough.fit_all()
    for operations in thorough._by_method.values():
        for operation in operations:
            operation.path_fits = {n: lambda v: False for n in operation.path_fits}
            operation.query_fits = {n: lambda v: False for n in operation.query_fits}
            operation.body_fits = (lambda v: False) if operation.body_fits else None
            operation.response_fits = {s: (lambda v: False) if f else None for s, f in operation.response_fits.items()}
    found = 0
    for method, path, body_schema, responses in operations_corpus(rng):
        bodies = list(corpus(body_schema, rng, valid=15, broken_each=4)) if body_schema else [None, {"a": 1}]
        for body in bodies:
            for query in ({}, {"with_response": "true", "wait": "1"}, {"with_response": "maybe", "limit": "x"}):
                for has_files in (False, True):
                    expected = thorough.check_request(method, path, query, body, has_files)
                    assert fast.check_request(method, path, query, body, has_files) == expected
                    found += len(expected[1])
        for bad_path in (path.replace("/", "/0", 2), path + "/extra"):
            assert fast.check_request(method, bad_path, {}, None, False) == thorough.check_request(
                method, bad_path, {}, None, False)
        for status, schema in responses.items():
            code = int(status.replace("XX", "00")) if status != "default" else 500
            answers = list(corpus(schema, rng, valid=10, broken_each=4)) if schema else [None, {"a": 1}]
            for answer in answers:
                expected_answer = thorough.check_response(method, path, code, answer)
                assert fast.check_response(method, path, code, answer) == expected_answer
                assert conformance.invalid_form_body(expected_answer) == conformance.invalid_form_body(
                    fast.check_response(method, path, code, answer))
                found += len(expected_answer)
    assert found > 1000  # plenty of broken rules were compared, not only fitting traffic


def test_only_the_routes_used_are_compiled_and_they_check_as_the_rest() -> None:
    checker = Conformance(DESCRIPTION)
    status, found = checker.check_request("POST", "/channels/123/messages", {}, {"content": 5}, False)
    assert status == 400 and [v.field for v in found] == ["body.content"]
    assert checker.check_request("POST", "/channels/123/messages", {}, {"content": "hej"}, False) == (0, [])
    fitted = [op.route for ops in checker._by_method.values() for op in ops if op.fitted]
    assert fitted == ["POST /channels/{channel_id}/messages"]
    checker.fit_all()
    assert all(op.fitted for ops in checker._by_method.values() for op in ops)
