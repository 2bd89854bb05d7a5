"""The scenario catalogue: one JSON file per scenario in `functions/drills/scenarios/`, validated on load."""

import json
from pathlib import Path

from pydantic import ValidationError

from functions.common.errors import ConfigurationError
from functions.drills.models import Scenario

DEFAULT_DIRECTORY = Path(__file__).resolve().parents[1] / "scenarios"  # packaged with the functions


def load_scenario(path: Path) -> Scenario:
    """One scenario; an error names the file and each bad field by its path."""
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"{path.name}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigurationError(f"{path.name}: {problems}") from exc
    if scenario.name != path.stem:
        raise ConfigurationError(f"{path.name}: name {scenario.name!r} must match the file name")
    return scenario


def load_catalogue(directory: Path = DEFAULT_DIRECTORY) -> dict[str, Scenario]:
    if not directory.is_dir():
        raise ConfigurationError(f"no scenario catalogue at {directory}")
    return {p.stem: load_scenario(p) for p in sorted(directory.glob("*.json"))}


def find_scenario(name: str, directory: Path = DEFAULT_DIRECTORY) -> Scenario:
    catalogue = load_catalogue(directory)
    if name not in catalogue:
        raise ConfigurationError(f"no scenario {name!r}; choose one of: {', '.join(catalogue)}")
    return catalogue[name]
