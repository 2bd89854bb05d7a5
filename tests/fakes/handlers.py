"""Handlers for testing the Lambda seam itself."""

from typing import Any

from functions.common.errors import TransientPlatformError

calls: list[dict[str, Any]] = []


class FlakyError(TransientPlatformError):
    pass


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    calls.append(event)
    return {"echo": event, "function": context.function_name}


def flaky_once(event: dict[str, Any], context: Any) -> dict[str, Any]:
    calls.append(event)
    if len(calls) == 1:
        raise FlakyError("first attempt fails")
    return {"attempts": len(calls)}
