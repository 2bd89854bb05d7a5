"""What a failure looks like in the ledger: the error's name and message, never its stack."""

import json

from functions.common.models import StepError


def failure_facts(step: str, error: StepError) -> dict[str, str]:
    """Lambda puts a JSON object with a stack trace in Cause; only its message is kept."""
    try:
        parsed = json.loads(error.Cause)
    except json.JSONDecodeError:
        parsed = error.Cause
    message = parsed.get("errorMessage", "") if isinstance(parsed, dict) else parsed
    return {"step": step, "error": error.Error, "message": str(message)[:300]}
