"""Helpers every source uses to turn a verified delivery into a `Signal`. Pure."""

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from functions.ingest.errors import Rejected

MAX_SUBJECTS = 1000


def json_object(body: bytes | str) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise Rejected(400, "body is not valid JSON") from exc
    if not isinstance(payload, dict):
        raise Rejected(400, "body must be a JSON object")
    return payload


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_sha256(value: Any) -> str:
    """For deliveries without raw bytes (EventBridge): the hash of their canonical JSON."""
    return sha256(json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode())


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
    if parsed.tzinfo is None:
        raise Rejected(400, f"{field} has no time zone")
    return parsed


def text(value: object, field: str, max_length: int = 256) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
        raise Rejected(400, f"{field} is missing or not a string")
    result = str(value)
    if len(result) > max_length:
        raise Rejected(400, f"{field} is longer than {max_length} characters")
    return result


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
