"""Just enough GraphQL for the sandbox: parse one operation, resolve variables, project selections.

Supports what Bulkhead and the Shopify documentation examples send: named or anonymous `query` and
`mutation` operations, variables with defaults, aliases, arguments (variables, scalars, enums,
lists, input objects), nested selections, inline fragments and named fragments. Directives,
subscriptions and type checking are out of scope: the sandbox trusts the operation's shape.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Union

_TOKEN = re.compile(
    r"""
    (?P<skip>[\s,\ufeff]+|\#[^\n]*)
  | (?P<spread>\.\.\.)
  | (?P<punct>[!$():=@\[\]{}|&])
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<string>"(?:\\.|[^"\\\n])*")
    """,
    re.VERBOSE,
)


class GraphQLSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Variable:
    name: str


@dataclass(frozen=True)
class Field:
    name: str
    alias: str | None
    arguments: dict[str, Any]
    selections: tuple["Selection", ...]

    @property
    def key(self) -> str:
        return self.alias or self.name


@dataclass(frozen=True)
class InlineFragment:
    type_condition: str | None
    selections: tuple["Selection", ...]


@dataclass(frozen=True)
class FragmentSpread:
    name: str


Selection = Union[Field, InlineFragment, FragmentSpread]  # noqa: UP007 - a forward-referenced alias


@dataclass(frozen=True)
class Operation:
    kind: str  # "query" | "mutation"
    name: str | None
    variable_defaults: dict[str, Any]
    selections: tuple[Selection, ...]
    fragments: dict[str, InlineFragment]


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise GraphQLSyntaxError(f"unexpected character {text[pos]!r} at offset {pos}")
        pos = match.end()
        kind = match.lastgroup or ""
        if kind != "skip":
            out.append((kind, match.group()))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("eof", "")

    def take(self, value: str | None = None, kind: str | None = None) -> str:
        tok_kind, tok = self.peek()
        if (value is not None and tok != value) or (kind is not None and tok_kind != kind) or tok_kind == "eof":
            raise GraphQLSyntaxError(f"expected {value or kind}, found {tok or 'end of document'!r}")
        self.i += 1
        return tok

    def accept(self, value: str) -> bool:
        if self.peek()[1] == value and self.peek()[0] != "string":
            self.i += 1
            return True
        return False

    def document(self) -> Operation:
        operations: list[Operation] = []
        fragments: dict[str, InlineFragment] = {}
        while self.peek()[0] != "eof":
            if self.peek()[1] == "fragment":
                self.take("fragment")
                name = self.take(kind="name")
                self.take("on")
                fragments[name] = InlineFragment(self.take(kind="name"), self.selection_set())
            else:
                operations.append(self.operation())
        if len(operations) != 1:
            raise GraphQLSyntaxError("the sandbox expects exactly one operation per document")
        op = operations[0]
        return Operation(op.kind, op.name, op.variable_defaults, op.selections, fragments)

    def operation(self) -> Operation:
        if self.peek()[1] == "{":
            return Operation("query", None, {}, self.selection_set(), {})
        kind = self.take(kind="name")
        if kind not in {"query", "mutation"}:
            raise GraphQLSyntaxError(f"unsupported operation type {kind!r}")
        name = self.take(kind="name") if self.peek()[0] == "name" else None
        defaults: dict[str, Any] = {}
        if self.accept("("):
            while not self.accept(")"):
                self.take("$")
                var = self.take(kind="name")
                self.take(":")
                self.type_ref()
                if self.accept("="):
                    defaults[var] = self.value()
        return Operation(kind, name, defaults, self.selection_set(), {})

    def type_ref(self) -> None:
        if self.accept("["):
            self.type_ref()
            self.take("]")
        else:
            self.take(kind="name")
        self.accept("!")

    def selection_set(self) -> tuple[Selection, ...]:
        self.take("{")
        items: list[Selection] = []
        while not self.accept("}"):
            if self.peek()[0] == "spread":
                self.take(kind="spread")
                if self.accept("on"):
                    items.append(InlineFragment(self.take(kind="name"), self.selection_set()))
                elif self.peek()[1] == "{":
                    items.append(InlineFragment(None, self.selection_set()))
                else:
                    items.append(FragmentSpread(self.take(kind="name")))
                continue
            name = self.take(kind="name")
            alias = None
            if self.accept(":"):
                alias, name = name, self.take(kind="name")
            arguments: dict[str, Any] = {}
            if self.accept("("):
                while not self.accept(")"):
                    arg = self.take(kind="name")
                    self.take(":")
                    arguments[arg] = self.value()
            selections = self.selection_set() if self.peek()[1] == "{" else ()
            items.append(Field(name, alias, arguments, selections))
        return tuple(items)

    def value(self) -> Any:
        kind, tok = self.peek()
        if tok == "$" and kind == "punct":
            self.take("$")
            return Variable(self.take(kind="name"))
        if tok == "[" and kind == "punct":
            self.take("[")
            items = []
            while not self.accept("]"):
                items.append(self.value())
            return items
        if tok == "{" and kind == "punct":
            self.take("{")
            obj = {}
            while not self.accept("}"):
                key = self.take(kind="name")
                self.take(":")
                obj[key] = self.value()
            return obj
        self.i += 1
        if kind == "string":
            return bytes(tok[1:-1], "utf-8").decode("unicode_escape")
        if kind == "number":
            return float(tok) if any(c in tok for c in ".eE") else int(tok)
        if kind == "name":
            return {"true": True, "false": False, "null": None}.get(tok, tok)  # enums stay strings
        raise GraphQLSyntaxError(f"unexpected {tok!r} where a value was expected")


def parse(text: str) -> Operation:
    return _Parser(text).document()


def resolve(value: Any, variables: Mapping[str, Any]) -> Any:
    """Replace variables in an argument value by their values (absent -> None)."""
    if isinstance(value, Variable):
        return variables.get(value.name)
    if isinstance(value, list):
        return [resolve(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, variables) for k, v in value.items()}
    return value


# A resolved value may hold a callable where a field takes arguments (connections, metafield(key:)).
Resolver = Callable[[dict[str, Any]], Any]


def project(value: Any, selections: tuple[Selection, ...], op: Operation, variables: Mapping[str, Any]) -> Any:
    """Keep only the selected fields of `value`, as a GraphQL server answers."""
    if value is None or not selections:
        return value
    if isinstance(value, list):
        return [project(v, selections, op, variables) for v in value]
    out: dict[str, Any] = {}
    for item in selections:
        selection = op.fragments[item.name] if isinstance(item, FragmentSpread) else item
        if isinstance(selection, InlineFragment):
            if selection.type_condition in (None, value.get("__typename")):
                out.update(project(value, selection.selections, op, variables))
            continue
        raw = value.get(selection.name)
        if callable(raw):
            raw = raw(resolve(selection.arguments, variables))
        out[selection.key] = project(raw, selection.selections, op, variables)
    return out
