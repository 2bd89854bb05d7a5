"""What each gate answers for the modes in force: pure decisions, no I/O.

Adobe Commerce calls the gate synchronously before an order is placed, a customer logs in, or an
account is changed; the answer is `{"op": "success"}` or `{"op": "exception", "message": ...}`.
When the controls cannot be read (and no recent copy is cached), each hook follows its documented
rule: order placement and login fail open (an outage of Bulkhead must not close the shop or lock
every customer out), account changes fail closed (a refused change of bank details or address can
be retried tomorrow; a fraudulent one during a leak cannot be taken back).
"""

from collections.abc import Mapping
from typing import Any

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
