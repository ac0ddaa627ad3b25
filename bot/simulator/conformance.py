"""Checks the simulator's traffic against Discord's official API description.

The description is a compact subset of Discord's OpenAPI file (`discord_api/openapi-subset.json`,
derived by `tools/derive_discord_api.py`, MIT, source commit in its `source` entry). It is read once
per process. `Conformance.check_request` validates what the bot sends (route, method, path and query
parameters, JSON or `payload_json` body); `check_response` validates what the simulator answers
against the schema of that status. Each mismatch becomes a `Violation` naming the route, the field
and the rule.

The validator covers the part of JSON Schema the description uses: `type` (with "null"), `$ref`,
`properties`, `required`, `additionalProperties`, `items`, `const`, `enum`, `oneOf`/`anyOf`/`allOf`,
string and array lengths, `pattern`, `minimum`/`maximum`, `uniqueItems` and property counts. `format`
is not checked. `oneOf` is read as "at least one branch fits": the description's objects are open
(no `additionalProperties: false`), so an answer can fit two branches of a union that Discord itself
keeps apart by the `type` field. Unions whose branches carry a `type` constant are dispatched on it,
which keeps the check fast and names the branch that was meant when a value fits none.

Every value is first asked of `bot.simulator.fits.Fits`, the same schemas compiled to Python source
that only answers whether it fits; `Schemas` walks a value only when it does not, to name what broke
(tests/simulator/test_fits.py compares the two).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.simulator.fits import Fits, branches_by_tag, resolve_schema

DESCRIPTION_PATH = Path(__file__).resolve().parent / "discord_api" / "openapi-subset.json"

#: A broken rule below a value: (path from the value, innermost segment first; rule; explanation,
#: with `{v}` standing for the value, which is only written out when the error is reported).
_Error = tuple[list[str | int], str, str, Any]
_Check = Callable[[Any], list[_Error] | None]


@dataclass(frozen=True, slots=True)
class Violation:
    """One place where the traffic differs from Discord's description."""

    direction: str  # "request" (the bot sent it) or "response" (the simulator answered it)
    route: str  # "POST /channels/{channel_id}/messages"
    field: str  # "body.components[0].components[1].label", "query.with_response", "" for the whole
    rule: str  # "maxLength 80", "required", "type string", ...
    detail: str
    status: int | None = None  # responses: the status whose schema was broken

    def __str__(self) -> str:
        status = f" -> {self.status}" if self.status is not None else ""
        where = self.field or "(the whole)"
        return f"{self.direction} {self.route}{status}: {where} breaks '{self.rule}': {self.detail}"


def _field(prefix: str, reversed_path: list[str | int]) -> str:
    text = prefix
    for segment in reversed(reversed_path):
        text += f"[{segment}]" if isinstance(segment, int) else (f".{segment}" if text else str(segment))
    return text


def _detail(error: _Error) -> str:
    return error[2].replace("{v}", _short(error[3])) if "{v}" in error[2] else error[2]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


#: The Python types of decoded JSON for each JSON Schema type (a whole float is an integer too).
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "null": (type(None),),
    "object": (dict,), "array": (list,),
}


def _same(a: Any, b: Any) -> bool:
    """JSON equality: True is not 1."""
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _freeze(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


class Schemas:
    """The description's component schemas, compiled to checking functions on first use."""

    def __init__(self, schemas: Mapping[str, Any], *, numeric_snowflakes: bool = False) -> None:
        self._raw = schemas
        self._compiled: dict[str, _Check] = {}
        self._by_node: dict[int, tuple[Mapping[str, Any], _Check]] = {}
        self._numeric_snowflakes = numeric_snowflakes

    def ref(self, reference: str) -> _Check:
        """The check of `#/components/schemas/NAME`."""
        name = reference.rsplit("/", 1)[-1]
        check = self._compiled.get(name)
        if check is not None:
            return check
        slot: list[_Check] = []

        def recursive(value: Any) -> list[_Error] | None:  # used only while NAME is being compiled
            return slot[0](value)

        self._compiled[name] = recursive
        compiled = self.compile(self._raw[name])
        if name == "SnowflakeType" and self._numeric_snowflakes:
            compiled = _or_snowflake_number(compiled)
        slot.append(compiled)
        self._compiled[name] = compiled
        return compiled

    def resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """Follow `$ref` (and a lone `allOf`) to the schema that has the keywords."""
        return resolve_schema(self._raw, node)

    def compile(self, node: Mapping[str, Any]) -> _Check:
        """A function returning the broken rules of a value, or None when it fits.

        One function for each schema object: a schema the description shares (see `shared_tree`)
        is compiled once.
        """
        known = self._by_node.get(id(node))
        if known is not None and known[0] is node:
            return known[1]
        check = self._compile(node)
        self._by_node[id(node)] = (node, check)  # the node is kept, so that its id stays its own
        return check

    def _compile(self, node: Mapping[str, Any]) -> _Check:
        checks: list[_Check] = []
        type_check: _Check | None = None
        if "type" in node:
            names = node["type"] if isinstance(node["type"], list) else [node["type"]]
            exact = frozenset(t for n in names for t in _PYTHON_TYPES[n])
            whole_floats = "integer" in names and "number" not in names
            rule = "type " + "|".join(names)

            def type_check(v: Any, exact: frozenset[type] = exact, whole_floats: bool = whole_floats,
                           rule: str = rule) -> list[_Error] | None:
                if type(v) in exact or (whole_floats and type(v) is float and v.is_integer()):
                    return None
                return [([], rule, "{v} is not " + rule[5:], v)]

        if "$ref" in node:
            checks.append(self.ref(node["$ref"]))
        if "const" in node:
            const = node["const"]
            const_rule = f"const {_short(const)}"

            def const_check(v: Any, const: Any = const, rule: str = const_rule) -> list[_Error] | None:
                return None if _same(v, const) else [([], rule, "{v} is not " + repr(const), v)]

            checks.append(const_check)
        if "enum" in node:
            options = list(node["enum"])
            enum_rule = f"enum {_short(options)}"

            def enum_check(v: Any, options: list[Any] = options, rule: str = enum_rule) -> list[_Error] | None:
                if any(_same(v, o) for o in options):
                    return None
                return [([], rule, "{v} is not one of them", v)]

            checks.append(enum_check)
        for keyword, limit_test, word in (
            ("minLength", lambda v, n: isinstance(v, str) and len(v) < n, "characters, at least"),
            ("maxLength", lambda v, n: isinstance(v, str) and len(v) > n, "characters, at most"),
            ("minItems", lambda v, n: isinstance(v, list) and len(v) < n, "items, at least"),
            ("maxItems", lambda v, n: isinstance(v, list) and len(v) > n, "items, at most"),
            ("minProperties", lambda v, n: isinstance(v, dict) and len(v) < n, "entries, at least"),
            ("maxProperties", lambda v, n: isinstance(v, dict) and len(v) > n, "entries, at most"),
        ):
            if keyword in node:
                def length_check(v: Any, n: int = node[keyword], test: Any = limit_test, keyword: str = keyword,
                                 word: str = word) -> list[_Error] | None:
                    if test(v, n):
                        return [([], f"{keyword} {n}", f"{len(v)} {word} {n}", None)]
                    return None

                checks.append(length_check)
        for keyword, bound_test in (("minimum", lambda v, n: v < n), ("maximum", lambda v, n: v > n)):
            if keyword in node:
                def bound_check(v: Any, n: Any = node[keyword], test: Any = bound_test, keyword: str = keyword
                                ) -> list[_Error] | None:
                    if type(v) in (int, float) and test(v, n):
                        return [([], f"{keyword} {n}", f"{v} is out of range", None)]
                    return None

                checks.append(bound_check)
        if "pattern" in node:
            pattern = re.compile(node["pattern"])

            def pattern_check(v: Any, pattern: re.Pattern[str] = pattern) -> list[_Error] | None:
                if isinstance(v, str) and pattern.search(v) is None:
                    return [([], f"pattern {pattern.pattern}", "{v} does not match", v)]
                return None

            checks.append(pattern_check)
        if node.get("uniqueItems"):
            def unique_check(v: Any) -> list[_Error] | None:
                if isinstance(v, list) and len({_freeze(x) for x in v}) != len(v):
                    return [([], "uniqueItems", "an item is repeated", None)]
                return None

            checks.append(unique_check)
        if "properties" in node or "required" in node or "additionalProperties" in node:
            checks.append(self._object(node))
        if "items" in node:
            item_check = self.compile(node["items"])

            def items_check(v: Any, item_check: _Check = item_check) -> list[_Error] | None:
                if not isinstance(v, list):
                    return None
                found: list[_Error] = []
                for index, item in enumerate(v):
                    errors = item_check(item)
                    if errors:
                        for error in errors:
                            error[0].append(index)
                        found += errors
                return found or None

            checks.append(items_check)
        for sub in node.get("allOf", ()):
            checks.append(self.compile(sub))
        for keyword in ("oneOf", "anyOf"):
            if keyword in node:
                checks.append(self._union(node[keyword], keyword))
        return _combine(type_check, checks)

    def _object(self, node: Mapping[str, Any]) -> _Check:
        properties = [(name, self.compile(sub)) for name, sub in node.get("properties", {}).items()]
        required = list(node.get("required", ()))
        extra = node.get("additionalProperties")
        known = {name for name, _ in properties}
        extra_check = self.compile(extra) if isinstance(extra, dict) else None
        closed = extra is False

        def object_check(v: Any) -> list[_Error] | None:
            if not isinstance(v, dict):
                return None
            found: list[_Error] = []
            for name in required:
                if name not in v:
                    found.append(([name], "required", "missing", None))
            for name, check in properties:
                if name in v:
                    errors = check(v[name])
                    if errors:
                        for error in errors:
                            error[0].append(name)
                        found += errors
            if closed or extra_check is not None:
                for name, value in v.items():
                    if name in known:
                        continue
                    if closed:
                        found.append(([name], "additionalProperties false", "not a field of this object", None))
                        continue
                    errors = extra_check(value)  # type: ignore[misc]
                    if errors:
                        for error in errors:
                            error[0].append(name)
                        found += errors
            return found or None

        return object_check

    def _union(self, branches: list[Mapping[str, Any]], keyword: str) -> _Check:
        compiled: list[_Check | None] = [None] * len(branches)

        def branch(i: int) -> _Check:
            check = compiled[i]
            if check is None:
                check = compiled[i] = self.compile(branches[i])
            return check

        by_type, untagged = branches_by_tag(branches, self.resolve)
        everything = list(range(len(branches)))
        gates: list[frozenset[str] | None] = []
        for raw in branches:
            names = self.resolve(raw).get("type")
            if names is None:
                gates.append(None)
            else:
                names = set(names if isinstance(names, list) else [names])
                if "number" in names or ("string" in names and self._numeric_snowflakes):
                    names.add("integer")  # (the gate only skips branches; the branch itself decides)
                gates.append(frozenset(names))

        def union_check(v: Any) -> list[_Error] | None:
            candidates = everything
            if by_type and isinstance(v, dict) and "type" in v:
                tag = v["type"]
                tagged = by_type.get(tag) if not isinstance(tag, bool) and isinstance(tag, int | str) else None
                if tagged is None and not untagged:
                    return [(["type"], keyword, "type {v} is none of " + str(sorted(by_type, key=str)), tag)]
                candidates = (tagged or []) + untagged
            best: list[_Error] | None = None
            best_key: tuple[int, bool, int] | None = None
            wrong_types: list[str] = []
            kind = _json_type(v)
            for i in candidates:
                gate = gates[i]
                if gate is not None and kind not in gate:
                    wrong_types.append("|".join(sorted(gate)))
                    continue
                errors = branch(i)(v)
                if not errors:
                    return None
                shallow = len(errors) == 1 and not errors[0][0] and errors[0][1].startswith("type ")
                if shallow:
                    wrong_types.append(errors[0][1][5:])
                key = (-max(len(e[0]) for e in errors), shallow, len(errors))
                if best_key is None or key < best_key:
                    best, best_key = errors, key
            if best is None or len(wrong_types) == len(candidates):  # a value of none of the union's types
                rule = "type " + "|".join(wrong_types)
                return [([], rule, "{v} is not " + rule[5:], v)]
            return best

        return union_check


def _or_snowflake_number(as_text: _Check) -> _Check:
    """Requests: Discord also reads a snowflake written as a JSON number (discord.py sends some so)."""

    def snowflake(v: Any) -> list[_Error] | None:
        if type(v) is int and 0 <= v < 1 << 64:
            return None
        return as_text(v)

    return snowflake


def _combine(type_check: _Check | None, checks: list[_Check]) -> _Check:
    if type_check is None and len(checks) == 1:
        return checks[0]
    if type_check is not None and not checks:
        return type_check

    def combined(v: Any) -> list[_Error] | None:
        if type_check is not None:
            wrong = type_check(v)
            if wrong:
                return wrong
        found: list[_Error] | None = None
        for check in checks:
            errors = check(v)
            if errors:
                found = errors if found is None else found + errors
        return found

    return combined


@dataclass(slots=True)
class _Operation:
    route: str
    pattern: re.Pattern[str]
    literal_length: int
    path_checks: dict[str, _Check]
    query_params: dict[str, tuple[bool, Mapping[str, Any], _Check]]
    body: Mapping[str, Any] | None
    body_check: _Check | None
    responses: dict[str, _Check | None]
    #: The same schemas as yes/no tests (`bot.simulator.fits`): the checks above run only on a "no".
    #: Compiled when the operation is first looked up (`Conformance.operation`), not for every route.
    path_fits: dict[str, Any]
    query_fits: dict[str, Any]
    body_fits: Any
    response_fits: dict[str, Any]
    fitted: bool = False


class Conformance:
    """Route lookup and checks for requests and responses."""

    def __init__(self, description: Mapping[str, Any]) -> None:
        self.source: Mapping[str, Any] = description["source"]
        self._seen: dict[tuple[int, str, str], tuple[tuple[str, str, str], ...]] = {}
        self._routes: dict[tuple[str, str], tuple[_Operation | None, dict[str, str]]] = {}
        self.schemas = Schemas(description["schemas"])
        requests = Schemas(description["schemas"], numeric_snowflakes=True)
        # The compiled tests of every route together hold about 12 MiB of code: each operation's are
        # compiled when it is first used (a run uses a few dozen of the description's operations).
        self._answer_fits = Fits(description["schemas"])
        self._request_fits = Fits(description["schemas"], numeric_snowflakes=True)
        self._raw_operations: dict[str, Mapping[str, Any]] = {}
        self._by_method: dict[str, list[_Operation]] = {}
        for key, raw in description["operations"].items():
            method, template = key.split(" ", 1)
            regex = "".join(
                f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
                for part in re.split(r"(\{[^}]+\})", template) if part
            )
            body = raw.get("request_body")
            operation = _Operation(
                route=key, pattern=re.compile(regex),
                literal_length=len(re.sub(r"\{[^}]+\}", "", template)),
                path_checks={n: self.schemas.compile(p["schema"]) for n, p in raw["path_parameters"].items()},
                query_params={n: (p["required"], p["schema"], self.schemas.compile(p["schema"]))
                              for n, p in raw["query_parameters"].items()},
                body=body,
                body_check=requests.compile(body["schema"]) if body and body.get("schema") else None,
                responses={status: self.schemas.compile(r["schema"]) if r["schema"] else None
                           for status, r in raw["responses"].items()},
                path_fits={}, query_fits={}, body_fits=None, response_fits={},
            )
            self._raw_operations[key] = raw
            self._by_method.setdefault(method, []).append(operation)
        #: The operations a path can be, by method, number of segments and first segment: each path
        #: parameter is one whole segment, so only these can match (in the description's order).
        #: Without a template whose first segment is a parameter; otherwise every operation is tried.
        self._by_shape: dict[tuple[str, int, str], list[_Operation]] = {}
        templates = [op.route.split(" ", 1)[1] for ops in self._by_method.values() for op in ops]
        if all(re.fullmatch(r"(/[^/{}]+)(/\{[^/{}]+\}|/[^/{}]+)*", t) and not t.startswith("/{") for t in templates):
            for method, operations in self._by_method.items():
                for operation in operations:
                    parts = operation.route.split(" ", 1)[1].split("/")
                    self._by_shape.setdefault((method, len(parts), parts[1]), []).append(operation)

    def _fit(self, operation: _Operation) -> None:
        """Compile the yes/no tests of one operation (each shared schema's once for all operations)."""
        raw, answers, requests = self._raw_operations[operation.route], self._answer_fits, self._request_fits
        body = raw.get("request_body")
        path = {n: answers.add(p["schema"]) for n, p in raw["path_parameters"].items()}
        query = {n: answers.add(p["schema"]) for n, p in raw["query_parameters"].items()}
        body_name = requests.add(body["schema"]) if body and body.get("schema") else None
        responses = {status: answers.add(r["schema"]) if r["schema"] else None
                     for status, r in raw["responses"].items()}
        answers.build()
        requests.build()
        operation.path_fits = {n: answers[f] for n, f in path.items()}
        operation.query_fits = {n: answers[f] for n, f in query.items()}
        operation.body_fits = requests[body_name] if body_name else None
        operation.response_fits = {status: answers[f] if f else None for status, f in responses.items()}
        operation.fitted = True

    def fit_all(self) -> None:
        """Compile every operation's tests now (a test or benchmark that replaces them needs them all)."""
        for operations in self._by_method.values():
            for operation in operations:
                if not operation.fitted:
                    self._fit(operation)

    def operation(self, method: str, path: str) -> tuple[_Operation | None, dict[str, str]]:
        """The described operation for a concrete path, and its path parameters."""
        key = (method, path)
        known = self._routes.get(key)  # a request's answer is checked on the same path just after it
        if known is not None:
            return known[0], dict(known[1])
        best: tuple[_Operation, dict[str, str]] | None = None
        segments = path.split("/")
        candidates = self._by_shape.get((method, len(segments), segments[1] if len(segments) > 1 else ""))
        for operation in candidates if candidates is not None else self._by_method.get(method, ()):
            match = operation.pattern.fullmatch(path)
            if match and (best is None or operation.literal_length > best[0].literal_length):
                best = (operation, match.groupdict())
        found = best if best is not None else (None, {})
        if best is not None and not best[0].fitted:
            self._fit(best[0])
        if len(self._routes) >= _SEEN_ROUTES:
            del self._routes[next(iter(self._routes))]  # the oldest
        self._routes[key] = found
        return found[0], dict(found[1])

    def route_name(self, method: str, path: str) -> str:
        """`METHOD /template` of a concrete path, or the path itself when it is not described."""
        operation, _ = self.operation(method, path)
        return operation.route if operation is not None else f"{method} {path}"

    def check_request(self, method: str, path: str, query: Mapping[str, Any], body: Any,
                      has_files: bool) -> tuple[int, list[Violation]]:
        """The violations of one request, and the status Discord would refuse it with (0: none)."""
        operation, path_params = self.operation(method, path)
        if operation is None:
            others = [m for m, ops in self._by_method.items() if m != method
                      and any(op.pattern.fullmatch(path) for op in ops)]
            if others:
                return 405, [Violation("request", f"{method} {path}", "", "method",
                                       f"the description allows only {', '.join(sorted(others))} here")]
            return 404, [Violation("request", f"{method} {path}", "", "route",
                                   "not a route of the simulator's description (tools/derive_discord_api.py)")]
        route = operation.route
        found: list[Violation] = []
        for name, value in path_params.items():
            check = operation.path_checks.get(name)
            errors = check(value) if check is not None and not operation.path_fits[name](value) else None
            for error in errors or ():
                found.append(Violation("request", route, _field(f"path.{name}", error[0]), error[1], _detail(error)))
        for name, value in query.items():
            spec = operation.query_params.get(name)
            if spec is None:
                found.append(Violation("request", route, f"query.{name}", "parameter",
                                       "not a query parameter of this route"))
                continue
            coerced = _coerce_query(value, self.schemas.resolve(spec[1]))
            errors = None if operation.query_fits[name](coerced) else spec[2](coerced)
            for error in errors or ():
                found.append(Violation("request", route, _field(f"query.{name}", error[0]), error[1], _detail(error)))
        for name, (required, _schema, _check) in operation.query_params.items():
            if required and name not in query:
                found.append(Violation("request", route, f"query.{name}", "required", "missing"))
        described = operation.body
        if body is None:
            if described is not None and described.get("required"):
                found.append(Violation("request", route, "body", "required", "the route needs a JSON body"))
        elif described is None:
            found.append(Violation("request", route, "body", "requestBody", "the route takes no body"))
        elif operation.body_check is not None and not operation.body_fits(body):
            for field, rule, detail in self._body_errors(operation.body_check, "body", body):
                found.append(Violation("request", route, field, rule, detail))
        if has_files and (described is None or not described.get("multipart")):
            found.append(Violation("request", route, "files", "multipart", "the route takes no files"))
        return (400 if found else 0), found

    def check_response(self, method: str, path: str, status: int, body: Any) -> list[Violation]:
        """The violations of one answer of the simulator."""
        operation, _ = self.operation(method, path)
        if operation is None:
            return []  # the request was refused as undescribed already
        responses = operation.responses
        key = str(status)
        if key not in responses:
            key = f"{str(status)[0]}XX"
        if key not in responses:
            key = "default"
        if key not in responses:
            if status >= 500:
                return []  # Discord's edge answers these too; the description does not describe them
            return [Violation("response", operation.route, "", "status",
                              f"the description has no {status} answer here ({', '.join(responses)})", status)]
        check = responses[key]
        if check is None:
            if body is not None:
                return [Violation("response", operation.route, "", "no body", f"{status} answers have no body",
                                  status)]
            return []
        if body is None:
            return [Violation("response", operation.route, "", "body", f"{status} answers have a JSON body", status)]
        if operation.response_fits[key](body):
            return []
        return [Violation("response", operation.route, field, rule, detail, status)
                for field, rule, detail in self._body_errors(check, "", body)]

    def _body_errors(self, check: _Check, prefix: str, body: Any) -> tuple[tuple[str, str, str], ...]:
        """(field, rule, detail) of each broken rule of a JSON body, remembered for bodies seen before.

        A bot sends the same answer, card or notice to many members, and the simulator gives the
        same kind of answer each time: walking the schema again for an identical body (the same
        text, `repr` of JSON values) would only spend the bot's processor on the simulator.
        """
        key = (id(check), prefix, repr(body))
        known = self._seen.get(key)
        if known is None:
            known = tuple((_field(prefix, error[0]), error[1], _detail(error)) for error in check(body) or ())
            if len(self._seen) >= _SEEN_BODIES:
                del self._seen[next(iter(self._seen))]  # the oldest
            self._seen[key] = known
        return known


def _coerce_query(value: Any, schema: Mapping[str, Any]) -> Any:
    """A query value (text on the wire) as the type its schema names."""
    types = schema.get("type")
    names = types if isinstance(types, list) else [types]
    text = value if isinstance(value, str) else (str(value).lower() if isinstance(value, bool) else str(value))
    if "boolean" in names:
        return {"true": True, "false": False, "1": True, "0": False, "True": True, "False": False}.get(text, text)
    if "integer" in names or "number" in names:
        try:
            return int(text) if "integer" in names else float(text)
        except ValueError:
            return text
    return text


#: Discord's codes for the per-field errors of a 400 Invalid Form Body.
_FIELD_CODES = {
    "required": ("BASE_TYPE_REQUIRED", "This field is required"),
    "maxLength": ("BASE_TYPE_MAX_LENGTH", "Must be {n} or fewer in length."),
    "minLength": ("BASE_TYPE_MIN_LENGTH", "Must be {n} or more in length."),
    "maxItems": ("BASE_TYPE_BAD_LENGTH", "Must be between 0 and {n} in length."),
    "minItems": ("BASE_TYPE_BAD_LENGTH", "Must be at least {n} in length."),
    "maximum": ("NUMBER_TYPE_MAX", "Int value should be less than or equal to {n}."),
    "minimum": ("NUMBER_TYPE_MIN", "Int value should be greater than or equal to {n}."),
    "enum": ("BASE_TYPE_CHOICES", "Value must be one of {n}."),
    "const": ("BASE_TYPE_CHOICES", "Value must be {n}."),
    "pattern": ("STRING_TYPE_REGEX", "String value did not match validation regex."),
    "oneOf": ("UNION_TYPE_CHOICES", "Value of field \"type\" must be one of the union's types."),
    "anyOf": ("UNION_TYPE_CHOICES", "Value of field \"type\" must be one of the union's types."),
}


def invalid_form_body(violations: list[Violation]) -> dict[str, Any]:
    """The body of Discord's 400 for these violations: code 50035 with an `errors` tree by field."""
    errors: dict[str, Any] = {}
    for violation in violations:
        segments = re.findall(r"[^.\[\]]+", violation.field)
        if segments and segments[0] in ("body", "query", "path"):
            segments = segments[1:]
        node = errors
        for segment in segments:
            node = node.setdefault(segment, {})
        keyword, _, argument = violation.rule.partition(" ")
        code, template = _FIELD_CODES.get(keyword, ("BASE_TYPE_INVALID", "Invalid value."))
        message = template.format(n=argument) + f" ({violation.rule}: {violation.detail})"
        node.setdefault("_errors", []).append({"code": code, "message": message})
    return {"code": 50035, "message": "Invalid Form Body", "errors": errors}


#: Bodies whose check results are remembered (see `Conformance._body_errors`).
_SEEN_BODIES = 4096
#: Concrete paths whose operation is remembered (see `Conformance.operation`).
_SEEN_ROUTES = 1024


def shared_tree(value: Any, memo: dict[Any, Any] | None = None) -> Any:
    """Decoded JSON with one object for each repeated part (an equal dict, list, string or number).

    The description repeats the same small schemas hundreds of times (`{"type": "string"}`, the same
    `$ref`); it is only read, never changed, so the repeats can be one object. Key order is kept.
    """
    if memo is None:
        memo = {}
    if isinstance(value, dict):
        value = {k: shared_tree(v, memo) for k, v in value.items()}
        key: Any = ("dict", tuple((k, id(v)) for k, v in value.items()))
    elif isinstance(value, list):
        value = [shared_tree(v, memo) for v in value]
        key = ("list", tuple(id(v) for v in value))
    else:
        key = (type(value), value)
    return memo.setdefault(key, value)


@functools.cache
def load() -> Conformance:
    """The checks, from the committed description (read once per process)."""
    return Conformance(shared_tree(json.loads(DESCRIPTION_PATH.read_text(encoding="utf-8"))))
