"""What Bulkhead writes to a Shopify store so its own checkout functions enforce the modes.

The shop metafield `$app:bulkhead`/`degradation` carries the rules (read by the payment
customization and the checkout validation functions, and by any theme or customer-account
extension); each function's own `$app:bulkhead`/`function-input` metafield carries the segment tags
its input query asks about. A segment `affected` is the customer tag `bulkhead-affected`.
"""

import json
from typing import Any

from functions.degradation.models import DegradationMode, StoreControls

NAMESPACE = "$app:bulkhead"
MODES_KEY = "degradation"
FUNCTION_INPUT_KEY = "function-input"
SEGMENT_TAG_PREFIX = "bulkhead-"
PAYMENT_CUSTOMIZATION_TITLE = "Bulkhead payment restrictions"
VALIDATION_TITLE = "Bulkhead checkout pause"


def segment_tag(segment: str) -> str:
    return f"{SEGMENT_TAG_PREFIX}{segment}"


# The customers an incident affects: containment tags them with this tag, and a degradation rule
# for this segment is what the checkout functions apply to them. One name, read by both sides.
AFFECTED_SEGMENT = "affected"
AFFECTED_TAG = segment_tag(AFFECTED_SEGMENT)


def modes_metafield(controls: StoreControls) -> str:
    rules = [
        {
            "segmentTag": segment_tag(r.segment) if r.segment else None,
            "modes": [m.value for m in r.modes],
            "message": r.message,
            "paymentMethods": list(r.payment_methods),
            "expiresAt": r.expires_at.isoformat(),
        }
        for r in controls.rules
    ]
    return json.dumps({"version": controls.version, "rules": rules}, separators=(",", ":"))


def function_input(controls: StoreControls) -> str:
    tags = sorted(segment_tag(r.segment) for r in controls.rules if r.segment)
    return json.dumps({"segmentTags": tags}, separators=(",", ":"))


def payments_restricted(controls: StoreControls) -> bool:
    """The payment customization runs only while some rule restricts payments."""
    return any(DegradationMode.PAYMENTS_RESTRICTED in r.modes for r in controls.rules)


def metafield_inputs(controls: StoreControls, shop_id: str, owner_ids: list[str]) -> list[dict[str, Any]]:
    """The `metafieldsSet` inputs: one call writes the shop's modes and every function's input."""
    shop = {"ownerId": shop_id, "namespace": NAMESPACE, "key": MODES_KEY, "type": "json"}
    inputs = [{**shop, "value": modes_metafield(controls)}]
    inputs += [
        {
            "ownerId": owner,
            "namespace": NAMESPACE,
            "key": FUNCTION_INPUT_KEY,
            "type": "json",
            "value": function_input(controls),
        }
        for owner in owner_ids
    ]
    return inputs
