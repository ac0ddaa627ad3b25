"""A yes/no test of whether a value fits a schema, compiled to Python source.

`bot.simulator.conformance.Schemas` names each broken rule of a value; most traffic breaks none, and
walking a schema through nested checking functions to find that out was the largest part of the
simulator's cost per request. `Fits` compiles the same schemas to straight-line Python functions (one per
component schema, with `allOf` parts, properties, items and simple types written out in place) that
only answer whether the value fits. The checker asks it first and walks `Schemas` only for a value
that does not fit, so the violations found are the same by construction: `Fits` reads every keyword
that `Schemas` reads, with the same meaning (its tests compare the two on valid and broken bodies).

Where a faster test is only sufficient (an enum of texts as a set lookup, a snowflake as digits),
the generated code falls back to the exact rule of `Schemas` when the fast test says no.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

#: The one pattern of the description (snowflakes), tested as digits before the expression is asked.
_SNOWFLAKE_PATTERN = "^(0|[1-9][0-9]*)$"

#: The description's snowflake: a text of digits without a leading zero.
_SNOWFLAKE = {"pattern": _SNOWFLAKE_PATTERN, "type": "string"}

Fit = Callable[[Any], bool]


def _same(a: Any, b: Any) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _any_same(value: Any, options: tuple[Any, ...]) -> bool:
    return any(_same(value, option) for option in options)


def _freeze(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _unique(items: list[Any]) -> bool:
    return len({_freeze(x) for x in items}) == len(items)


_MISSING = object()


def resolve_schema(schemas: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow `$ref` (and a lone `allOf`) to the schema that has the keywords."""
    for _ in range(20):
        if "$ref" in node:
            node = schemas[node["$ref"].rsplit("/", 1)[-1]]
        elif "allOf" in node and len(node["allOf"]) == 1 and "type" not in node:
            node = node["allOf"][0]
        else:
            break
    return node


def type_tags(branch: Mapping[str, Any], resolve: Callable[[Mapping[str, Any]], Mapping[str, Any]]) -> list[Any] | None:
    """The values of `type` a union branch accepts, when it names them (`resolve` follows a `$ref`).

    Both the checker and the compiled tests dispatch a union on them."""
    prop = resolve(branch).get("properties", {}).get("type")
    if prop is None:
        return None
    prop = resolve(prop) if "const" not in prop and "enum" not in prop else prop
    if "const" in prop:
        return [prop["const"]]
    if "enum" in prop:
        return list(prop["enum"])
    return None


def branches_by_tag(branches: Sequence[Mapping[str, Any]], resolve: Callable[[Mapping[str, Any]], Mapping[str, Any]]
                    ) -> tuple[dict[Any, list[int]], list[int]]:
    """A union's branch indexes by the `type` values they accept, and those that name none.

    Both the checker and the compiled tests dispatch a union on them."""
    by_type: dict[Any, list[int]] = {}
    untagged: list[int] = []
    for i, raw in enumerate(branches):
        tags = type_tags(raw, resolve)
        if tags is None:
            untagged.append(i)
        else:
            for tag in tags:
                by_type.setdefault(tag, []).append(i)
    return by_type, untagged


#: The Python test of each JSON Schema type (as `conformance._PYTHON_TYPES`: exact types).
_TYPE_TESTS = {
    "string": "type({x}) is str", "integer": "type({x}) is int", "number": "type({x}) is int or type({x}) is float",
    "boolean": "type({x}) is bool", "null": "{x} is None", "object": "type({x}) is dict", "array": "type({x}) is list",
}
_PYTHON = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "null": type(None),
           "object": dict, "array": list}


class Fits:
    """Compiled yes/no tests for the description's schemas (as `Schemas`, with the same options)."""

    def __init__(self, schemas: Mapping[str, Any], *, numeric_snowflakes: bool = False) -> None:
        self._raw = schemas
        self._numeric_snowflakes = numeric_snowflakes
        self._names: dict[str, str] = {}  # component schema -> function name
        self._pending: list[tuple[str, Mapping[str, Any], str | None]] = []
        self._source: list[str] = []
        self._namespace: dict[str, Any] = {
            "_any_same": _any_same, "_unique": _unique, "_M": _MISSING,
        }
        self._counter = 0

    # ----- the public side ------------------------------------------------------------------------
    def add(self, node: Mapping[str, Any]) -> str:
        """Ask for the test of a schema node; returns its name, to be looked up after `build`."""
        return self._function(node)

    def build(self) -> None:
        """Generate and load the source of every test asked for so far.

        A component schema's test is generated the first time it is called (a stand-in until then): a
        message answer alone reaches a large part of the description, and most of it is never used."""
        while self._pending:
            name, node, component = self._pending.pop()
            if component is not None:
                self._namespace[name] = self._stand_in(name, node, component)
                continue
            self._source += self._define(name, node, component)
        source = "\n".join(self._source) + "\n"
        self._source = []
        exec(compile(source, "<discord API schemas>", "exec"), self._namespace)  # noqa: S102 - our own source

    def _stand_in(self, name: str, node: Mapping[str, Any], component: str) -> Fit:
        """Until its first call, the test of a component schema: generates and loads it, then asks it."""
        def first_call(x: Any) -> bool:
            if self._namespace.get(name) is first_call:
                self._source += self._define(name, node, component)
                self.build()  # the schemas it refers to get stand-ins of their own
            return self._namespace[name](x)  # type: ignore[no-any-return]

        return first_call

    def __getitem__(self, name: str) -> Fit:
        """A test asked for with `add`, once `build` has run."""
        return self._namespace[name]

    # ----- generating -----------------------------------------------------------------------------
    def _fresh(self, stem: str) -> str:
        self._counter += 1
        return f"{stem}{self._counter}"

    def _constant(self, value: Any) -> str:
        if value is None or isinstance(value, bool | int | str) or (isinstance(value, float) and math.isfinite(value)):
            return repr(value)
        name = self._fresh("_c")
        self._namespace[name] = value
        return name

    def _ref(self, reference: str) -> str:
        component = reference.rsplit("/", 1)[-1]
        name = self._names.get(component)
        if name is None:
            name = self._names[component] = self._fresh("f_" + re.sub(r"\W", "_", component) + "_")
            self._pending.append((name, self._raw[component], component))
        return name

    def _function(self, node: Mapping[str, Any]) -> str:
        if set(node) == {"$ref"}:
            return self._ref(node["$ref"])
        name = self._fresh("g")
        self._pending.append((name, node, None))
        return name

    def _define(self, name: str, node: Mapping[str, Any], component: str | None) -> list[str]:
        lines = [f"def {name}(x):"]
        if component == "SnowflakeType" and self._numeric_snowflakes:
            # Requests: Discord also reads a snowflake written as a JSON number (as `Schemas`).
            lines.append("    if type(x) is int and 0 <= x < 18446744073709551616: return True")
        lines += self._block(node, "x", 1, 0)
        lines.append("    return True")
        return lines

    def _block(self, node: Mapping[str, Any], x: str, depth: int, loops: int) -> list[str]:
        """Statements that `return False` when the value in variable `x` does not fit `node`."""
        pad = "    " * depth
        out: list[str] = []
        known: set[type] | None = None  # the value's possible types once its `type` is checked
        if "type" in node:
            names = node["type"] if isinstance(node["type"], list) else [node["type"]]
            tests = [_TYPE_TESTS[n].format(x=x) for n in names]
            if "integer" in names and "number" not in names:
                tests.append(f"(type({x}) is float and {x}.is_integer())")
            out.append(f"{pad}if not ({' or '.join(tests)}): return False")
            known = set()
            for n in names:
                python = _PYTHON[n]
                known.update(python if isinstance(python, tuple) else (python,))
            if "integer" in names:
                known.add(float)

        def only(kind: type) -> bool:
            return known is not None and known <= {kind}

        def guard(kind: type, test: str) -> str:
            return test if only(kind) else f"isinstance({x}, {kind.__name__}) and {test}"

        if "$ref" in node:
            function = self._ref(node["$ref"])
            if self._raw.get(node["$ref"].rsplit("/", 1)[-1]) == _SNOWFLAKE:  # the digits written out first
                out.append(f"{pad}if not ((type({x}) is str and {x}.isdigit() and {x}.isascii() "
                           f"and ({x}[0] != '0' or len({x}) == 1)) or {function}({x})): return False")
            else:
                out.append(f"{pad}if not {function}({x}): return False")
        if "const" in node:
            const = node["const"]
            if isinstance(const, bool):
                out.append(f"{pad}if {x} is not {const!r}: return False")
            else:
                out.append(f"{pad}if not ({x} == {self._constant(const)} and type({x}) is not bool): return False")
        if "enum" in node:
            options = tuple(node["enum"])
            exact = self._constant(options)
            if options and all(isinstance(o, str) for o in options):
                fast = f"type({x}) is str and {x} in {self._constant(frozenset(options))}"
            elif options and all(type(o) is int for o in options):
                fast = f"type({x}) is int and {x} in {self._constant(frozenset(options))}"
            else:
                fast = "False"
            out.append(f"{pad}if not ({fast}) and not _any_same({x}, {exact}): return False")
        for keyword, kind, op in (("minLength", str, "<"), ("maxLength", str, ">"), ("minItems", list, "<"),
                                  ("maxItems", list, ">"), ("minProperties", dict, "<"),
                                  ("maxProperties", dict, ">")):
            if keyword in node:
                out.append(f"{pad}if {guard(kind, f'len({x}) {op} {node[keyword]!r}')}: return False")
        for keyword, op in (("minimum", "<"), ("maximum", ">")):
            if keyword in node:
                out.append(f"{pad}if (type({x}) is int or type({x}) is float) and {x} {op} "
                           f"{self._constant(node[keyword])}: return False")
        if "pattern" in node:
            pattern = self._constant(re.compile(node["pattern"]))
            slow = f"{pattern}.search({x}) is None"
            if node["pattern"] == _SNOWFLAKE_PATTERN:  # digits without a leading zero always match
                slow = (f"not ({x}.isdigit() and {x}.isascii() and ({x}[0] != '0' or len({x}) == 1)) "
                        f"and {slow}")
            out.append(f"{pad}if {guard(str, slow)}: return False")
        if node.get("uniqueItems"):
            out.append(f"{pad}if {guard(list, f'not _unique({x})')}: return False")
        if "properties" in node or "required" in node or "additionalProperties" in node:
            out += self._object(node, x, depth, loops, only(dict))
        if "items" in node:
            item = node["items"]
            inner = depth if only(list) else depth + 1
            y = self._fresh("v")
            body = self._nested(item, y, inner + 1, loops + 1)
            if body:
                if not only(list):
                    out.append(f"{pad}if isinstance({x}, list):")
                out.append(f"{'    ' * inner}for {y} in {x}:")
                out += body
        for sub in node.get("allOf", ()):
            out += self._block(sub, x, depth, loops)
        for keyword in ("oneOf", "anyOf"):
            if keyword in node:
                out.append(f"{pad}if not {self._union(node[keyword], x)}: return False")
        return out

    def _nested(self, node: Mapping[str, Any], y: str, depth: int, loops: int) -> list[str]:
        """The block of a nested value, or a call of a function of its own when nesting gets deep."""
        if depth > 30 or loops > 8:
            return [f"{'    ' * depth}if not {self._function(node)}({y}): return False"]
        return self._block(node, y, depth, loops)

    def _object(self, node: Mapping[str, Any], x: str, depth: int, loops: int, is_dict: bool) -> list[str]:
        out: list[str] = []
        if not is_dict:
            out.append(f"{'    ' * depth}if isinstance({x}, dict):")
            depth += 1
        pad = "    " * depth
        required = list(node.get("required", ()))
        if required:
            out.append(f"{pad}if {' or '.join(f'{n!r} not in {x}' for n in required)}: return False")
        properties = node.get("properties", {})
        for name, sub in properties.items():
            y = self._fresh("v")
            if name in required:  # present (checked above)
                body = self._nested(sub, y, depth, loops)
                if body:
                    out.append(f"{pad}{y} = {x}[{name!r}]")
                    out += body
                continue
            body = self._nested(sub, y, depth + 1, loops)
            if body:
                out.append(f"{pad}{y} = {x}.get({name!r}, _M)")
                out.append(f"{pad}if {y} is not _M:")
                out += body
        extra = node.get("additionalProperties")
        known = self._constant(frozenset(properties))
        if extra is False:
            out.append(f"{pad}if not {x}.keys() <= {known}: return False")
        elif isinstance(extra, dict):
            k, y = self._fresh("k"), self._fresh("v")
            body = self._nested(extra, y, depth + 1, loops + 1)
            if body:
                out.append(f"{pad}for {k}, {y} in {x}.items():")
                out.append(f"{pad}    if {k} in {known}: continue")
                out += body
        if not is_dict and len(out) == 1:
            return []
        return out

    def _resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        return resolve_schema(self._raw, node)

    def _union(self, branches: list[Mapping[str, Any]], x: str) -> str:
        """An expression: does the value in `x` fit a branch (dispatched on `type` as `Schemas` does).

        `Schemas` also skips a branch whose JSON type the value does not have; that only saves work,
        as a branch accepts no value of another type (its own `type` rule, which the skip reads, is
        checked first), so the yes/no test here tries the branches without it.
        """
        tests: list[str] = []
        for raw in branches:
            if set(raw) == {"type"} and raw["type"] == "null":
                tests.append("{x} is None")
            elif set(raw) == {"const"} and not isinstance(raw["const"], bool):
                tests.append(f"({{x}} == {self._constant(raw['const'])} and type({{x}}) is not bool)")
            else:
                tests.append(f"{self._function(raw)}({{x}})")
        by_type, untagged = branches_by_tag(branches, self._resolve)

        def tried(indexes: list[int], var: str) -> str:
            return "(" + " or ".join(tests[i].format(x=var) for i in indexes) + ")" if indexes else "False"

        if not by_type:
            return tried(list(range(len(branches))), x)
        per_tag: dict[Any, str] = {}
        for tag, indexes in by_type.items():
            tagged = per_tag[tag] = self._fresh("t")
            self._source += [f"def {tagged}(x):", f"    return {tried(indexes + untagged, 'x')}"]
        table = self._fresh("_by")
        entries = ", ".join(f"{self._constant(tag)}: {function}" for tag, function in per_tag.items())
        self._source.append(f"{table} = {{{entries}}}")
        name = self._fresh("u")
        self._source += [
            f"def {name}(x):",
            "    if isinstance(x, dict) and 'type' in x:",
            "        tag = x['type']",
            f"        tagged = {table}.get(tag) if not isinstance(tag, bool) and isinstance(tag, (int, str)) else None",
            "        if tagged is not None: return tagged(x)",
            f"        return {tried(untagged, 'x')}",
            f"    return {tried(list(range(len(branches))), 'x')}",
        ]
        return f"{name}({x})"
