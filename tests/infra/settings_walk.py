"""Which `Env` settings a handler's code can read, found by walking the AST from the handler.

The walk follows names, not just modules: from the handler function it visits every top-level
function or class it references, in its own module or imported from `functions.*`, and collects
each `Env.<NAME>` it meets. Module-level statements run at import, so they always count, and so do
decorated definitions (a decorator may register its function, as an event handler's routes). A module
imported whole and used as `module.function` is followed into that function only. Following
names keeps the answer honest: a handler that imports `utc_now` from `functions.common.wiring`
does not thereby read the configuration parameter that `wiring.firm_config` reads.
"""

import ast
import importlib.util
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from functions.common.settings import Env

WHOLE_MODULE = "*"


@dataclass
class _Module:
    name: str
    definitions: dict[str, ast.AST] = field(default_factory=dict)  # top-level def/class by name
    top_level: list[ast.stmt] = field(default_factory=list)  # everything else: runs at import
    imported: dict[str, tuple[str, str]] = field(default_factory=dict)  # local name -> (module, symbol)


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


@cache
def _parse(module: str) -> _Module:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None, module
    path = Path(spec.origin)
    tree = ast.parse(path.read_text(), filename=str(path))
    parsed = _Module(module)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            parsed.definitions[node.name] = node
            if node.decorator_list:
                # A decorator runs at import and may register the function (an HTTP route, say),
                # which the handler then reaches without naming it: count it with the top level.
                parsed.top_level.append(node)
            continue
        parsed.top_level.append(node)
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            if not base.startswith("functions"):
                continue
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                target = (submodule, WHOLE_MODULE) if _is_module(submodule) else (base, alias.name)
                parsed.imported[alias.asname or alias.name] = target
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("functions"):
                    parsed.imported[alias.asname or alias.name.split(".")[0]] = (alias.name, WHOLE_MODULE)
    return parsed


def _env_refs_and_names(node: ast.AST) -> tuple[set[Env], set[str], set[tuple[str, str]]]:
    """`Env.X` members, bare names, and `name.attribute` pairs (a module's function called through it)."""
    envs: set[Env] = set()
    names: set[str] = set()
    attributes: set[tuple[str, str]] = set()
    qualified: set[int] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name):
            if child.value.id == "Env":
                envs.add(Env[child.attr])
            attributes.add((child.value.id, child.attr))
            qualified.add(id(child.value))
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and id(child) not in qualified:
            names.add(child.id)
    return envs, names, attributes


def settings_read_from(module: str, symbol: str) -> frozenset[Env]:
    """Every `Env` member reachable from `module.symbol` (e.g. a handler)."""
    found: set[Env] = set()
    seen: set[tuple[str, str]] = set()
    imported_modules: set[str] = set()
    pending = [(module, symbol)]
    while pending:
        current_module, current_symbol = pending.pop()
        if (current_module, current_symbol) in seen:
            continue
        seen.add((current_module, current_symbol))
        parsed = _parse(current_module)
        nodes: list[ast.AST] = []
        if current_module not in imported_modules:  # importing a module runs its top level
            imported_modules.add(current_module)
            nodes.extend(parsed.top_level)
        if current_symbol == WHOLE_MODULE:
            nodes.extend(parsed.definitions.values())
        elif current_symbol in parsed.definitions:
            nodes.append(parsed.definitions[current_symbol])
        for node in nodes:
            envs, names, attributes = _env_refs_and_names(node)
            found |= envs
            for name in names:
                if name in parsed.definitions:
                    pending.append((current_module, name))
                elif name in parsed.imported:
                    pending.append(parsed.imported[name])
            for name, attribute in attributes:
                target = parsed.imported.get(name)
                if target is not None and target[1] == WHOLE_MODULE:
                    # `wiring.journal()` reads what `journal` reads, not every definition of `wiring`.
                    pending.append((target[0], attribute))
                elif target is not None:
                    pending.append(target)
                elif name in parsed.definitions:
                    pending.append((current_module, name))
    return frozenset(found)
