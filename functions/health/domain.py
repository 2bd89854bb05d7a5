"""The control-health canary: check every control, name the broken ones, record and alarm. Pure."""

import json
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from functions.clocks.rules import first_deadline
from functions.common.config import FirmConfig, Platform, StoreConfig
from functions.health.models import (
    ADOBE_WEBHOOKS,
    COMPANION_MODULE,
    FLOW_HEARTBEAT_TOPIC,
    FLOW_MAX_AGE_HOURS,
    HTTP_WEBHOOK_PATH,
    MODES_METAFIELD,
    PAYMENTS_RESTRICTED,
    PROTECTED_CUSTOMER_DATA,
    SES_SANDBOX_DAILY_QUOTA,
    SHOPIFY_FUNCTIONS,
    SHOPIFY_SCOPES,
    SHOPIFY_WEBHOOKS,
    CheckoutFunction,
    CompanionStatus,
    ControlCheck,
    HealthReport,
)
from functions.health.ports import DriftAlarm, EmailControls, FlowDeliveries, OnCallControls, PlatformControls
from functions.ledger.chains import health_chain
from functions.ledger.models import EntryDraft, EntryType
from functions.ledger.ports import Ledger

ACTOR = "health"
_DEFAULT_CLOCK_HOURS = 72


def check_controls(
    config: FirmConfig,
    platforms: Mapping[Platform, PlatformControls],
    email: EmailControls,
    oncall: OnCallControls,
    now: datetime,
    flow: FlowDeliveries | None = None,
) -> HealthReport:
    checks: list[ControlCheck] = []
    largest = 0
    for store in config.stores:
        controls = platforms[store.platform]
        count = _attempt(checks, "credentials", store, lambda s=store, c=controls: c.customer_count(s))  # type: ignore[misc]
        if isinstance(count, int):
            largest = max(largest, count)
            checks.append(ControlCheck(control="credentials", store_id=store.store_id, healthy=True, message="valid"))
        if store.platform is Platform.SHOPIFY:
            checks += _shopify(store, controls)
            if flow is not None and store.operator_secret_id:
                checks.append(_flow(store, flow, now))
        else:
            checks += _adobe(store, controls)
    checks += _email(config, email, largest, now)
    checks.append(_oncall(oncall))
    return HealthReport(checked_at=now, checks=tuple(checks))


def record_health(report: HealthReport, ledger: Ledger, alarm: DriftAlarm, now: datetime) -> None:
    """Every run joins the day's health chain; broken controls raise the drift metric the alarm watches."""
    alarm.report(len(report.broken()), len(report.checks))
    ledger.append(
        health_chain(now), EntryDraft(type=EntryType.HEALTH_CHECKED, actor=ACTOR, at=now, data=report.summary())
    )


def _attempt(checks: list[ControlCheck], control: str, store: StoreConfig, call: Callable[[], object]) -> object | None:
    """Run one platform call; a failure is itself a broken control, named with the platform's answer."""
    try:
        return call()
    except Exception as exc:  # any failure to read a control means the control cannot be trusted
        checks.append(
            ControlCheck(
                control=control, store_id=store.store_id, healthy=False, message=f"{type(exc).__name__}: {exc}"[:300]
            )
        )
        return None


def _shopify(store: StoreConfig, controls: PlatformControls) -> list[ControlCheck]:
    checks: list[ControlCheck] = []
    scopes = _attempt(checks, "shopify.scopes", store, lambda: controls.granted_scopes(store))
    if isinstance(scopes, set):
        missing = [s for s in SHOPIFY_SCOPES if s not in scopes]
        checks.append(
            ControlCheck(
                control="shopify.scopes",
                store_id=store.store_id,
                healthy=not missing,
                message=f"scope revoked or never granted: {', '.join(missing)}" if missing else "all scopes granted",
            )
        )
    hooks = _attempt(checks, "shopify.webhooks", store, lambda: controls.webhooks(store))
    if isinstance(hooks, list):
        for topic, kind in SHOPIFY_WEBHOOKS.items():
            found = [h for h in hooks if h.topic == topic]
            if not found:
                message, healthy = f"webhook subscription {topic} is missing", False
            elif not any(h.kind == kind and (kind != "http" or h.address.endswith(HTTP_WEBHOOK_PATH)) for h in found):
                message, healthy = (
                    f"webhook subscription {topic} points elsewhere ({found[0].kind} {found[0].address})",
                    False,
                )
            else:
                message, healthy = f"webhook subscription {topic} present", True
            checks.append(
                ControlCheck(
                    control=f"shopify.webhook.{topic}", store_id=store.store_id, healthy=healthy, message=message
                )
            )
    contacts = _attempt(checks, "shopify.protected_customer_data", store, lambda: controls.reads_contacts(store))
    if contacts is True:
        checks.append(
            ControlCheck(
                control="shopify.protected_customer_data",
                store_id=store.store_id,
                healthy=True,
                message=f"{PROTECTED_CUSTOMER_DATA} granted: the roster can read contacts",
            )
        )
    functions = _attempt(checks, "shopify.functions", store, lambda: controls.checkout_functions(store))
    if isinstance(functions, list):
        checks += _functions(store, functions)
    before = len(checks)
    reading = _attempt(checks, "shopify.metafield.degradation", store, lambda: controls.modes_metafield(store))
    if len(checks) == before:
        metafield, restricted = _modes_metafield(store, reading)  # type: ignore[arg-type]
        checks.append(metafield)
        if isinstance(functions, list) and restricted is not None:
            checks.append(_payment_activation(store, functions, restricted))
    return checks


def _functions(store: StoreConfig, functions: list[CheckoutFunction]) -> list[ControlCheck]:
    checks: list[ControlCheck] = []
    by_id = {f.function_id: f for f in functions}
    for function_id, (kind, enabled_at_rest) in SHOPIFY_FUNCTIONS.items():
        function = by_id.get(function_id)
        if function is None:
            message, healthy = f"Shopify Function {function_id} ({kind}) is not installed", False
        elif enabled_at_rest and not function.enabled:
            message, healthy = f"Shopify Function {function_id} ({kind}) is disabled: the gate cannot act", False
        else:
            message, healthy = f"Shopify Function {function_id} ({kind}) installed and switchable", True
        checks.append(
            ControlCheck(
                control=f"shopify.function.{function_id}", store_id=store.store_id, healthy=healthy, message=message
            )
        )
    return checks


def _modes_metafield(store: StoreConfig, reading: tuple[str, str] | None) -> tuple[ControlCheck, bool | None]:
    """The metafield both functions read must be there and parse, or they fail open; and does it restrict payments?"""
    name = "/".join(MODES_METAFIELD)
    control = "shopify.metafield.degradation"
    if reading is None:
        message = f"shop metafield {name} is missing: the checkout functions fail open and no mode reaches checkout"
        return ControlCheck(control=control, store_id=store.store_id, healthy=False, message=message), None
    kind, value = reading
    problem = None if kind == "json" else f"its type is {kind}, not json"
    rules: list[object] = []
    if problem is None:
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict) or not isinstance(parsed.get("version"), int):
            problem = "it is not a JSON object with an integer version"
        elif not isinstance(parsed.get("rules"), list) or not all(
            isinstance(r, dict) and isinstance(r.get("modes"), list) for r in parsed["rules"]
        ):
            problem = "its rules are not a list of rules with modes"
        else:
            rules = parsed["rules"]
    if problem is not None:
        message = f"shop metafield {name} is malformed ({problem}): the checkout functions fail open"
        return ControlCheck(control=control, store_id=store.store_id, healthy=False, message=message), None
    restricted = any(PAYMENTS_RESTRICTED in r["modes"] for r in rules if isinstance(r, dict))
    message = f"shop metafield {name} present and well-formed ({len(rules)} rule(s))"
    return ControlCheck(control=control, store_id=store.store_id, healthy=True, message=message), restricted


def _payment_activation(store: StoreConfig, functions: list[CheckoutFunction], restricted: bool) -> ControlCheck:
    """A rule restricts payments only if the payment customization is activated: its function runs only then."""
    title = next(t for t, (kind, _) in SHOPIFY_FUNCTIONS.items() if kind == "payment customization")
    payment = next((f for f in functions if f.function_id == title), None)
    healthy = not restricted or (payment is not None and payment.enabled)
    if not restricted:
        message = f"payment customization {title}: no rule restricts payments, activation not needed"
    elif healthy:
        message = f"payment customization {title} activated while a rule restricts payments"
    else:
        message = (
            f"payment customization {title} is not activated while a rule restricts payments: "
            "restricted payment methods are still offered"
        )
    return ControlCheck(
        control="shopify.payment_customization.activation", store_id=store.store_id, healthy=healthy, message=message
    )


def _adobe(store: StoreConfig, controls: PlatformControls) -> list[ControlCheck]:
    checks: list[ControlCheck] = []
    status = _attempt(checks, "adobe_commerce.companion", store, lambda: controls.companion_status(store))
    since = ""
    if isinstance(status, CompanionStatus):
        healthy = status.enabled and status.module == COMPANION_MODULE
        checks.append(
            ControlCheck(
                control="adobe_commerce.companion",
                store_id=store.store_id,
                healthy=healthy,
                message=f"{status.module} {status.version} " + ("enabled" if healthy else "is disabled"),
            )
        )
        since = f" (module {status.module} {status.version})"
    hooks = _attempt(checks, "adobe_commerce.webhooks", store, lambda: controls.webhooks(store))
    if isinstance(hooks, list):
        methods = {h.topic for h in hooks}
        for method, purpose in ADOBE_WEBHOOKS.items():
            healthy = method in methods
            message = f"Adobe Commerce webhook {method} ({purpose}) " + (
                "installed" if healthy else f"is not installed{since}"
            )
            checks.append(
                ControlCheck(
                    control=f"adobe_commerce.webhook.{method}",
                    store_id=store.store_id,
                    healthy=healthy,
                    message=message,
                )
            )
    return checks


def _flow(store: StoreConfig, flow: FlowDeliveries, now: datetime) -> ControlCheck:
    """The shipped Flow workflows cannot be read by any API: their daily heartbeat must have arrived."""
    control = "shopify.flow"
    since = now - timedelta(hours=FLOW_MAX_AGE_HOURS)
    try:
        last = flow.last_delivery(store.store_id, since, now)
    except Exception as exc:  # the dispositions cannot be read: the Flow path cannot be vouched for
        return ControlCheck(
            control=control, store_id=store.store_id, healthy=False, message=f"{type(exc).__name__}: {exc}"[:300]
        )
    if last is None:
        message = (
            f"no Shopify Flow delivery ({FLOW_HEARTBEAT_TOPIC} or other) in {FLOW_MAX_AGE_HOURS} h: the Bulkhead "
            "Flow workflows are off or deleted, or their X-Bulkhead-Token expired"
        )
        return ControlCheck(control=control, store_id=store.store_id, healthy=False, message=message)
    hours = (now - last).total_seconds() / 3600
    return ControlCheck(
        control=control, store_id=store.store_id, healthy=True, message=f"last Shopify Flow delivery {hours:.1f} h ago"
    )


def shortest_clock_hours(config: FirmConfig, now: datetime) -> int:
    """Whole hours to the first deadline of the quickest configured regime, for a clock started now."""
    hours = [int((first_deadline(r.regime, now) - now).total_seconds() // 3600) for r in config.regulators]
    return min(hours, default=_DEFAULT_CLOCK_HOURS)


def _email(config: FirmConfig, email: EmailControls, largest_store: int, now: datetime) -> list[ControlCheck]:
    sender = config.notices.sender
    checks: list[ControlCheck] = []
    try:
        verified = email.identity_verified(sender)
        quota = email.send_quota()
    except Exception as exc:  # the notification path cannot be trusted if SES cannot be read
        return [ControlCheck(control="ses", healthy=False, message=f"{type(exc).__name__}: {exc}"[:300])]
    checks.append(
        ControlCheck(
            control="ses.identity",
            healthy=verified,
            message=f"sender {sender} " + ("verified" if verified else "is not verified (nor is its domain)"),
        )
    )
    sandboxed = quota.max_24_hour_send <= SES_SANDBOX_DAILY_QUOTA
    checks.append(
        ControlCheck(
            control="ses.production_access",
            healthy=not sandboxed,
            message="out of the sandbox"
            if not sandboxed
            else f"SES account is in the sandbox ({quota.max_24_hour_send:,.0f} messages a day, "
            "verified recipients only)",
        )
    )
    hours = shortest_clock_hours(config, now)
    capacity = min(quota.max_send_rate * hours * 3600, quota.max_24_hour_send * max(1.0, hours / 24))
    checks.append(
        ControlCheck(
            control="ses.quota",
            healthy=capacity >= largest_store,
            message=f"{capacity:,.0f} emails possible within the shortest clock ({hours} h) for the largest store's "
            f"{largest_store:,} customers",
        )
    )
    return checks


def _oncall(oncall: OnCallControls) -> ControlCheck:
    try:
        confirmed, pending = oncall.subscriptions()
    except Exception as exc:  # pages cannot be trusted to arrive
        return ControlCheck(control="oncall.subscriptions", healthy=False, message=f"{type(exc).__name__}: {exc}"[:300])
    return ControlCheck(
        control="oncall.subscriptions",
        healthy=confirmed > 0,
        message=f"{confirmed} confirmed, {pending} pending confirmation"
        + ("" if confirmed else ": nobody would be paged"),
    )
