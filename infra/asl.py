"""Load an ASL file and fill its `${Placeholders}`: the one loader CDK and the local runtime share.

Placeholders stand only as whole JSON strings ("${Name}"), so every file stays valid JSON. Tunables
(numbers) are substituted with their typed value here; resource ARNs are substituted by the
caller's `arns` map (CDK passes tokens, the local runtime passes moto ARNs).
"""

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

STATEMACHINES = Path(__file__).resolve().parent.parent / "statemachines"
PLACEHOLDER = re.compile(r"^\$\{([A-Za-z][A-Za-z0-9]*)\}$")


class UnresolvedPlaceholder(ValueError):
    pass


def placeholders(definition: Any) -> set[str]:
    """Every placeholder name that appears in the definition."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str) and (match := PLACEHOLDER.match(node)):
            found.add(match.group(1))

    walk(definition)
    return found


def load(file_name: str) -> dict[str, Any]:
    return dict(json.loads((STATEMACHINES / file_name).read_text()))


def render(definition: Any, values: Mapping[str, Any]) -> Any:
    """A copy of the definition with every placeholder replaced; a missing value is an error."""
    if isinstance(definition, dict):
        return {key: render(value, values) for key, value in definition.items()}
    if isinstance(definition, list):
        return [render(value, values) for value in definition]
    if isinstance(definition, str) and (match := PLACEHOLDER.match(definition)):
        name = match.group(1)
        if name not in values:
            raise UnresolvedPlaceholder(f"no value for placeholder ${{{name}}}")
        return values[name]
    return definition
