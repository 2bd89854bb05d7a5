"""The rule book: detection rules as data, versioned, per store, parsed once per process.

It ships as `rulebook.json` beside this module (edit, review, deploy); every disposition and
incident records the book's version, so an auditor can tell which rules decided.
"""

from functools import cache
from importlib import resources

from pydantic import ValidationError

from functions.common.errors import ConfigurationError
from functions.detection.models import DetectionRule, RuleBook


def parse_rulebook(text: str, origin: str = "rule book") -> RuleBook:
    try:
        return RuleBook.model_validate_json(text)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:10])
        raise ConfigurationError(f"{origin}: {problems}") from exc


@cache
def packaged_rulebook() -> RuleBook:
    text = resources.files("functions.detection").joinpath("rulebook.json").read_text(encoding="utf-8")
    return parse_rulebook(text, origin="functions/detection/rulebook.json")


def default_rules() -> tuple[DetectionRule, ...]:
    return packaged_rulebook().rules
