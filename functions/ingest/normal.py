"""Helpers every source uses to turn a verified delivery into a `Signal`. Pure."""

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from functions.ingest.errors import Rejected

MAX_SUBJECTS = 1000


class _Malformed(ValueError):
    """A JSON text that parses in Python but that no platform sends: refused, with why."""


def _no_constants(name: str) -> Any:
    raise _Malformed(f"body holds {name}, which JSON does not allow")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two parsers may keep different copies of a repeated key: what was signed must read one way.
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _Malformed("body repeats a key in one object")
    return found


def json_object(body: bytes | str) -> dict[str, Any]:
    """The body as a JSON object; anything else is a 400 with the reason (never an exception)."""
    try:
        payload = json.loads(body, parse_constant=_no_constants, object_pairs_hook=_unique_keys)
    except _Malformed as exc:
        raise Rejected(400, str(exc)) from exc
    except (UnicodeDecodeError, RecursionError, ValueError) as exc:
        # ValueError covers integers past Python's 4,300-digit conversion limit as well as bad JSON.
        raise Rejected(400, "body is not valid JSON") from exc
    if not isinstance(payload, dict):
        raise Rejected(400, "body must be a JSON object")
    return payload


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_sha256(value: Any) -> str:
    """For deliveries without raw bytes (EventBridge): the hash of their canonical JSON."""
    try:
        canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    except (RecursionError, ValueError, TypeError) as exc:
        raise Rejected(400, "event cannot be read as JSON") from exc
    return sha256(canonical.encode())


def parse_time(value: object, field: str) -> datetime:
    """An ISO 8601 time (or epoch milliseconds) with a zone; a naive time is refused, not guessed."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise Rejected(400, f"{field} is not a valid time") from exc
    if not isinstance(value, str) or not value:
        raise Rejected(400, f"{field} is missing or not a time")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Rejected(400, f"{field} is not an ISO 8601 time") from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise Rejected(400, f"{field} has no time zone")
    return parsed


def text(value: object, field: str, max_length: int = 256) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        raise Rejected(400, f"{field} is missing or not a string")
    if isinstance(value, int) and value.bit_length() > max_length * 4:
        # str() of a long enough int raises (Python's digit limit); it is too long either way
        raise Rejected(400, f"{field} is longer than {max_length} characters")
    result = str(value)
    if len(result) > max_length:
        raise Rejected(400, f"{field} is longer than {max_length} characters")
    if not result.isprintable():
        raise Rejected(400, f"{field} holds control characters")
    return result


def identifier(value: object, field: str, max_length: int = 128) -> str | None:
    """An optional platform id (string or integer): None when absent, 400 when present but unusable."""
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        return None
    return text(value, field, max_length)


def attribute_values(payload: Mapping[str, Any], keys: Mapping[str, str]) -> dict[str, str]:
    """Selected scalar facts of a payload as rule attributes (never free text that may hold personal data)."""
    found: dict[str, str] = {}
    for attribute, key in keys.items():
        value = payload.get(key)
        if isinstance(value, str | int | float | bool) and value is not None:
            found[attribute] = str(value)[:128]
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            found[attribute] = ",".join(sorted(value))[:512]
    return found


def subjects(*ids: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))[:MAX_SUBJECTS]


def mapping(value: object) -> Mapping[str, Any]:
    """`value` if it is a JSON object, else an empty one: payloads are read defensively."""
    return value if isinstance(value, dict) else {}
