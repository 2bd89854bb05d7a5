"""The gates: who may ask for the modes in force, and what each gate answers. Pure, no I/O.

`answer_adobe_commerce` (the synchronous webhook) and `read_modes` (the headless endpoint) verify
the caller, then decide by the modes; secrets and the controls reading come in as callables.

Adobe Commerce calls the gate synchronously before an order is placed, a customer logs in, or an
account is changed; the answer is `{"op": "success"}` or `{"op": "exception", "message": ...}`.
When the controls cannot be read (and no recent copy is cached), each hook follows its documented
rule: order placement and login fail open (an outage of Bulkhead must not close the shop or lock
every customer out), account changes fail closed (a refused change of bank details or address can
be retried tomorrow; a fraudulent one during a leak cannot be taken back).
"""

import hmac
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from functions.common.config import FirmConfig, Platform, StoreConfig
from functions.degradation import adobe
from functions.degradation.errors import GateRejected
from functions.degradation.models import (
    ControlsReading,
    DegradationMode,
    FailRule,
    GateAnswer,
    GateDecision,
    Hook,
    ModeRule,
    ModesView,
    active_modes,
)

FAIL_RULES: dict[Hook, FailRule] = {
    Hook.ORDER_PLACEMENT: FailRule.OPEN,
    Hook.LOGIN: FailRule.OPEN,
    Hook.ACCOUNT_CHANGE: FailRule.CLOSED,
}

# Methods that move money with stored bank details or on invoice: hidden by `payments_restricted`
# unless the rule names its own. Card and wallet payments are tokenised by the payment provider.
DEFAULT_RESTRICTED_PAYMENT_METHODS = (
    "bank",
    "transfer",
    "debit",
    "sepa",
    "ach",
    "wire",
    "invoice",
    "purchaseorder",
    "checkmo",
)

DEFAULT_MESSAGES: dict[DegradationMode, str] = {
    DegradationMode.CHECKOUT_PAUSED: (
        "Checkout is paused for a short while as a security precaution. Your cart is saved; "
        "please try again later or contact us."
    ),
    DegradationMode.PAYMENTS_RESTRICTED: (
        "This payment method is temporarily unavailable as a security precaution. Please choose another one."
    ),
    DegradationMode.ACCOUNT_READ_ONLY: (
        "Changes to account details are paused as a security precaution. You can still view your portfolio and orders."
    ),
    DegradationMode.LOGIN_STEP_UP: (
        "For your security, please confirm it is you: use 'Forgot password' to receive a sign-in link by email."
    ),
}
UNAVAILABLE_MESSAGE = "This change cannot be made right now. Please try again later."

_HOOK_MODE = {
    Hook.ORDER_PLACEMENT: DegradationMode.CHECKOUT_PAUSED,
    Hook.LOGIN: DegradationMode.LOGIN_STEP_UP,
    Hook.ACCOUNT_CHANGE: DegradationMode.ACCOUNT_READ_ONLY,
}
SUCCESS = GateAnswer(op="success")


def effective_modes(rules: tuple[ModeRule, ...]) -> tuple[DegradationMode, ...]:
    return active_modes(tuple(m for r in rules for m in r.modes)) or (DegradationMode.NORMAL,)


def adobe_commerce_decision(hook: Hook, payload: Mapping[str, Any], reading: ControlsReading) -> GateDecision:
    """The answer to one Adobe Commerce synchronous webhook."""
    if reading.controls is None:
        answer = SUCCESS if FAIL_RULES[hook] is FailRule.OPEN else _exception(UNAVAILABLE_MESSAGE)
        return GateDecision(answer=answer, modes=(), basis=reading.basis)
    rules = reading.controls.applicable(adobe_segments(payload))
    modes = effective_modes(rules)
    answer = SUCCESS
    if _HOOK_MODE[hook] in modes:
        answer = _exception(_message(rules, _HOOK_MODE[hook]))
    elif hook is Hook.ORDER_PLACEMENT and DegradationMode.PAYMENTS_RESTRICTED in modes:
        method = _payment_method(payload)
        if method and _restricted(method, restricted_payment_methods(rules)):
            answer = _exception(_message(rules, DegradationMode.PAYMENTS_RESTRICTED))
    return GateDecision(answer=answer, modes=modes, basis=reading.basis)


def modes_view(store_id: str, segment: str | None, reading: ControlsReading) -> ModesView | None:
    """What the headless endpoint answers; None when nothing is known (the store is unreachable)."""
    controls = reading.controls
    if controls is None:
        return None
    rules = controls.applicable(frozenset({segment}) if segment else frozenset())
    modes = effective_modes(rules)
    restricted = DegradationMode.PAYMENTS_RESTRICTED in modes
    return ModesView(
        store_id=store_id,
        segment=segment,
        modes=modes,
        message=next((r.message for r in rules if r.message), ""),
        expires_at=min((r.expires_at for r in rules), default=None),
        version=controls.version,
        stale=reading.basis == "stale",
        restrictions={
            "checkout_paused": DegradationMode.CHECKOUT_PAUSED in modes,
            "payments_restricted": restricted,
            "account_changes_blocked": DegradationMode.ACCOUNT_READ_ONLY in modes,
            "login_step_up": DegradationMode.LOGIN_STEP_UP in modes,
        },
        payment_methods=restricted_payment_methods(rules) if restricted else (),
    )


def restricted_payment_methods(rules: tuple[ModeRule, ...]) -> tuple[str, ...]:
    named = tuple(
        dict.fromkeys(p for r in rules if DegradationMode.PAYMENTS_RESTRICTED in r.modes for p in r.payment_methods)
    )
    return named or DEFAULT_RESTRICTED_PAYMENT_METHODS


def adobe_segments(payload: Mapping[str, Any]) -> frozenset[str]:
    """Adobe Commerce segments are customer groups: group 4 is segment `group-4`."""
    found: set[str] = set()
    for holder in (_section(payload, "order"), _section(payload, "customer")):
        for key in ("customer_group_id", "group_id"):
            value = holder.get(key)
            if isinstance(value, int | str) and str(value).isdigit():
                found.add(f"group-{int(value)}")
    return frozenset(found)


def _section(payload: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """Plugin webhooks send `{name: {...}}`; observer webhooks send `{"data": {name: {...}}}`."""
    direct = payload.get(name)
    if isinstance(direct, Mapping):
        return direct
    data = payload.get("data")
    nested = data.get(name) if isinstance(data, Mapping) else None
    return nested if isinstance(nested, Mapping) else {}


def _payment_method(payload: Mapping[str, Any]) -> str:
    payment = _section(payload, "order").get("payment")
    if isinstance(payment, Mapping):
        return str(payment.get("method") or "")
    return ""


def _restricted(method: str, fragments: tuple[str, ...]) -> bool:
    wanted = method.lower()
    return any(fragment in wanted for fragment in fragments)


def _message(rules: tuple[ModeRule, ...], mode: DegradationMode) -> str:
    specific = next((r.message for r in rules if mode in r.modes and r.message), "")
    return specific or DEFAULT_MESSAGES[mode]


def _exception(message: str) -> GateAnswer:
    return GateAnswer(op="exception", message=message)


# --- the verified entry points: who may ask, and what they are answered ---------------------

STORE_HEADER = "x-bulkhead-store"
MAX_GATE_BODY_BYTES = 262_144


def modes_token_secret_id(store_id: str) -> str:
    """Where the headless endpoint's bearer token for a store lives (current, and previous in rotation)."""
    return f"bulkhead/{store_id}/modes-token"


def answer_adobe_commerce(
    hook: Hook,
    headers: Mapping[str, str],
    body: bytes,
    config: FirmConfig,
    secret: Callable[[str], str],
    read: Callable[[str], ControlsReading],
) -> GateDecision:
    """Verify one Adobe Commerce synchronous webhook and answer it by the modes in force."""
    if len(body) > MAX_GATE_BODY_BYTES:
        raise GateRejected(413, f"body exceeds {MAX_GATE_BODY_BYTES} bytes")
    store = _configured_store(config, headers.get(STORE_HEADER, ""), Platform.ADOBE_COMMERCE)
    keys = [secret(s) for s in (store.webhook_secret_id, store.previous_webhook_secret_id) if s]
    try:
        adobe.verify_signature(body, headers.get(adobe.SIGNATURE_HEADER), keys)
    except adobe.SignatureRejected as exc:
        raise GateRejected(401, str(exc)) from exc
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GateRejected(400, "body is not JSON") from exc
    if not isinstance(payload, dict):
        raise GateRejected(400, "body must be a JSON object")
    decision = adobe_commerce_decision(hook, payload, read(store.store_id))
    return decision.model_copy(update={"store_id": store.store_id})


def read_modes(
    store_id: str,
    segment: str | None,
    authorization: str,
    config: FirmConfig,
    secret: Callable[[str], str],
    read: Callable[[str], ControlsReading],
) -> ModesView:
    """The headless endpoint: the modes in force for a store (and a segment), for a bearer of its token."""
    if not store_id:
        raise GateRejected(400, "query parameter 'store' is required")
    if segment is not None and not _SEGMENT.fullmatch(segment):
        raise GateRejected(400, "query parameter 'segment' must be a lower-case slug")
    store = _configured_store(config, store_id, None)
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise GateRejected(401, "an 'Authorization: Bearer <token>' header is required")
    if not any(hmac.compare_digest(token.encode(), t.encode()) for t in _tokens(secret, store.store_id)):
        raise GateRejected(401, "token is not valid for this store")
    view = modes_view(store.store_id, segment, read(store.store_id))
    if view is None:
        raise GateRejected(503, "modes are unavailable; keep the last modes you read and retry")
    return view


_SEGMENT = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def _configured_store(config: FirmConfig, store_id: str, platform: Platform | None) -> StoreConfig:
    store = next((s for s in config.stores if s.store_id == store_id), None)
    if store is None or (platform is not None and store.platform is not platform):
        raise GateRejected(403, "unknown store")
    return store


def _tokens(secret: Callable[[str], str], store_id: str) -> list[str]:
    """The secret holds one token, or {"current": ..., "previous": ...} while a token is rotated."""
    try:
        value = secret(modes_token_secret_id(store_id))
    except Exception as exc:  # a missing secret means the endpoint is not enabled for the store
        raise GateRejected(403, "the modes endpoint is not enabled for this store") from exc
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    if isinstance(parsed, dict):
        return [str(t) for t in (parsed.get("current"), parsed.get("previous")) if t]
    return [str(parsed)] if len(str(parsed)) >= 24 else []
