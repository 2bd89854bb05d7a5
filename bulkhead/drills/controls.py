"""Bulkhead's controls on the local fabric, so `bulkhead health` has something real to check.

On AWS the controls are installed once per store (the app's scopes, webhook subscriptions, the two
checkout functions and the normal state of the shop metafield they read, the Adobe Commerce
companion module and its gate webhooks, a verified SES sender, an on-call subscription). Locally
this module installs the same on the sandbox stores and the moto account, and serves the one
read-only sandbox query the canary needs that the sandbox does not yet answer (`customersCount`);
it registers it only when the sandbox has none of its own. SES quota comes from the local runtime,
which gives the moto account production access.
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bulkhead.local.runtime import LocalFabric
from bulkhead.sandbox.fixtures import BULKHEAD_PARTNER_SOURCE, BULKHEAD_WEBHOOK_URL
from bulkhead.sandbox.magento.routes.companion import companion
from bulkhead.sandbox.shopify import registry as shopify_registry
from bulkhead.sandbox.shopify.apps_model import bulkhead_installation
from bulkhead.sandbox.shopify.operations.degradation import app_namespace, metafields_set
from bulkhead.sandbox.shopify.operations.webhooks import subscription
from bulkhead.sandbox.state import StoreState
from bulkhead.sandbox.stores import SandboxStore
from functions.common import clients, wiring
from functions.common.config import FirmConfig, Platform
from functions.degradation import shopify as degradation_shopify
from functions.degradation.models import DegradationMode, ModeRule
from functions.degradation.models import StoreControls as Modes
from functions.detection.adapters.dynamodb import DynamoDispositionStore
from functions.health.adapters.aws import CloudWatchDriftAlarm, SesControls, SnsOnCall
from functions.health.adapters.flow import DispositionFlowDeliveries
from functions.health.adapters.platforms import AdobeCommerceControls, ShopifyControls
from functions.health.domain import check_controls, record_health
from functions.health.models import (
    ADOBE_WEBHOOKS,
    FLOW_HEARTBEAT_TOPIC,
    SHOPIFY_SCOPES,
    SHOPIFY_WEBHOOKS,
    HealthReport,
)
from functions.ingest import tokens
from functions.ledger.wiring import ledger

LOCAL_WEBHOOK_URL = BULKHEAD_WEBHOOK_URL
LOCAL_PARTNER_SOURCE = BULKHEAD_PARTNER_SOURCE


def install_controls(local: LocalFabric, config: FirmConfig) -> None:
    _register_sandbox_reads()
    for store in config.stores:
        sandbox = local.sandboxes.get(store.store_id) if hasattr(local, "sandboxes") else None
        if sandbox is not None:
            _install_on_store(sandbox)
    clients.client("ses").verify_email_identity(EmailAddress=config.notices.sender)
    sqs, sns = clients.client("sqs"), clients.client("sns")
    url = sqs.create_queue(QueueName="bulkhead-oncall-pager")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=local.topics["OnCall"], Protocol="sqs", Endpoint=arn)


def _install_on_store(sandbox: SandboxStore) -> None:
    state = sandbox.state
    with state.lock:
        if sandbox.platform == "shopify":
            installation = bulkhead_installation()
            installation["accessScopes"] = [{"handle": s} for s in SHOPIFY_SCOPES]
            state.table("current_app")["installation"] = installation
            for n, (topic, kind) in enumerate(SHOPIFY_WEBHOOKS.items(), start=6001):
                gid = f"gid://shopify/WebhookSubscription/{n}"
                endpoint = {"uri": LOCAL_WEBHOOK_URL} if kind == "http" else {"uri": LOCAL_PARTNER_SOURCE}
                state.table("webhooks")[gid] = subscription(gid, topic, endpoint)
            if _modes_key(state) not in state.table("metafields"):
                # Never over a projection already there: it may carry modes in force.
                _project_modes(state, Modes(store_id=sandbox.store_id))
            # The two workflows of integrations/shopify-flow/, built and turned on as its README says.
            state.table("flow_workflows").update(
                {name: {"name": name, "enabled": True} for name in (FLOW_DECLARE, FLOW_HEARTBEAT)}
            )
        else:
            companion(state)
            state.table("adobe_webhooks").update(
                {
                    method: {
                        "webhook_method": method,
                        "webhook_type": "before",
                        "batch_name": "bulkhead",
                        "hook_name": purpose.replace(" ", "_"),
                        "url": f"https://bulkhead.local/gates/adobe-commerce/{purpose.split()[0]}",
                        "required": True,
                    }
                    for method, purpose in ADOBE_WEBHOOKS.items()
                }
            )


FLOW_DIR = Path(__file__).resolve().parents[2] / "integrations" / "shopify-flow"
FLOW_DECLARE = "declare-bulkhead-incident"
FLOW_HEARTBEAT = "bulkhead-flow-heartbeat"


def run_flow_schedule(local: LocalFabric, config: FirmConfig) -> int:
    """Play Flow's Scheduled time trigger once: each enabled heartbeat workflow posts its request."""
    definition = json.loads((FLOW_DIR / f"{FLOW_HEARTBEAT}.flow.json").read_text())
    request = next(s for s in definition["steps"] if s.get("action") == "Send HTTP request")
    sent = 0
    now = datetime.now(UTC)
    for store in config.stores:
        sandbox = local.sandboxes.get(store.store_id)
        if store.platform is not Platform.SHOPIFY or sandbox is None or not store.operator_secret_id:
            continue
        with sandbox.state.lock:
            workflow = sandbox.state.table("flow_workflows").get(FLOW_HEARTBEAT)
        if not workflow or not workflow["enabled"]:
            continue
        # The definition's Liquid, rendered as Flow would for this shop and this minute.
        body = (
            request["body"]
            .replace("{{ 'now' | date: '%s' }}", str(int(now.timestamp())))
            .replace("{{ shop.myshopifyDomain }}", store.shop_domain)
            .replace("{{ 'now' | date: '%Y-%m-%dT%H:%M:%S%z' }}", now.strftime("%Y-%m-%dT%H:%M:%S%z"))
        )
        token = tokens.issue(wiring.secret(store.operator_secret_id), store.store_id, "flow", now + timedelta(days=90))
        headers = {"content-type": "application/json", "x-bulkhead-token": token}
        answer = local.post("/webhooks/shopify-flow", headers, body.encode())
        if answer.status != 202 or json.loads(body)["topic"] != FLOW_HEARTBEAT_TOPIC:
            raise RuntimeError(f"the Flow heartbeat of {store.store_id} was refused: {answer.status} {answer.body}")
        sent += 1
    # EventBridge hands each signal to detection in AWS; locally the route queues are drained here.
    while local.deliver_routed_events():
        pass
    return sent


def _modes_key(state: StoreState) -> str:
    shop_id = state.table("shop")["shop"]["id"]
    return f"{shop_id}|{app_namespace(degradation_shopify.NAMESPACE)}|{degradation_shopify.MODES_KEY}"


def _project_modes(state: StoreState, modes: Modes) -> None:
    """Write the shop metafield as the degradation projection does (the same inputs, `metafieldsSet`)."""
    shop_id = state.table("shop")["shop"]["id"]
    result = metafields_set(state, {"metafields": degradation_shopify.metafield_inputs(modes, shop_id, [])})
    if result["userErrors"]:
        raise ValueError(f"metafieldsSet refused the modes: {result['userErrors']}")


def _register_sandbox_reads() -> None:
    if "customersCount" not in shopify_registry.OPERATIONS:
        shopify_registry.operation("customersCount", kind="query", cost=1)(_customers_count)


def _customers_count(state: StoreState, args: dict[str, Any]) -> Any:  # noqa: ARG001
    return {"count": len(state.table("customers")), "precision": "EXACT"}


BREAKABLE = (
    "webhook",
    "scope",
    "function",
    "metafield",
    "payment-activation",
    "adobe-webhook",
    "adobe-module",
    "adobe-module-update",
    "flow",
    "oncall",
)


def break_control(local: LocalFabric, config: FirmConfig, control: str) -> str:
    """Break one control on purpose, as drift would (a merchant, an update, an expiry); say what broke."""
    shopify = next(s for s in config.stores if s.platform.value == "shopify")
    adobe = next((s for s in config.stores if s.platform.value == "adobe_commerce"), None)
    if control == "function":
        # The sandbox deploys Bulkhead's functions on first read: read them so there is one to disable.
        with httpx.Client() as http:
            ShopifyControls(http, lambda store: wiring.secret(store.admin_token_secret_id)).checkout_functions(shopify)
    done = _break_shopify(local.sandboxes[shopify.store_id].state, shopify.store_id, control)
    if done is None and control.startswith("adobe-") and adobe is not None:
        done = _break_adobe(local.sandboxes[adobe.store_id].state, adobe.store_id, control)
    if done is None and control == "oncall":
        sns = clients.client("sns")
        for subscription_ in sns.list_subscriptions_by_topic(TopicArn=local.topics["OnCall"])["Subscriptions"]:
            sns.unsubscribe(SubscriptionArn=subscription_["SubscriptionArn"])
        done = "unsubscribed everyone from the on-call topic"
    if done is None:
        raise ValueError(f"cannot break {control!r}; choose one of {', '.join(BREAKABLE)}")
    return done


def _break_shopify(state: StoreState, store_id: str, control: str) -> str | None:
    with state.lock:
        if control == "webhook":
            hooks = state.table("webhooks")
            gid = next(g for g, h in hooks.items() if h["topic"] == "BULK_OPERATIONS_FINISH")
            del hooks[gid]
            return f"deleted the BULK_OPERATIONS_FINISH webhook subscription of {store_id}"
        if control == "scope":
            installation = state.table("current_app")["installation"]
            installation["accessScopes"] = [s for s in installation["accessScopes"] if s["handle"] != "write_customers"]
            return f"revoked the write_customers scope on {store_id}"
        if control == "function":
            validation = next(iter(state.table("validations").values()))
            validation["enabled"] = False
            return f"disabled the checkout-pause validation function on {store_id}"
        if control == "metafield":
            state.table("metafields").pop(_modes_key(state), None)
            return f"deleted the shop metafield $app:bulkhead/degradation of {store_id}"
        if control == "flow":
            state.table("flow_workflows")[FLOW_HEARTBEAT]["enabled"] = False
            return f"turned the Bulkhead Flow heartbeat workflow of {store_id} off"
        if control == "payment-activation":
            # A rule restricts payments, but someone switched the payment customization off in the admin.
            now = datetime.now(UTC)
            rule = ModeRule(
                modes=(DegradationMode.PAYMENTS_RESTRICTED,),
                set_by="health",
                set_at=now,
                expires_at=now + timedelta(hours=1),
            )
            _project_modes(state, Modes(store_id=store_id, rules=(rule,), version=1))
            for customization in state.table("payment_customizations").values():
                customization["enabled"] = False
            return f"restricted payments on {store_id} with the payment customization deactivated"
    return None


def _break_adobe(state: StoreState, store_id: str, control: str) -> str | None:
    with state.lock:
        if control == "adobe-webhook":
            state.table("adobe_webhooks").pop("plugin.magento.sales.api.order_management.place", None)
            return f"removed the checkout gate webhook of {store_id}"
        if control == "adobe-module":
            companion(state)["enabled"] = False
            return f"disabled the Bulkhead_Companion module of {store_id}"
        if control == "adobe-module-update":
            # An update whose webhooks.xml no longer declares the gates: Commerce drops them.
            companion(state)["version"] = "1.1.0"
            state.table("adobe_webhooks").clear()
            return f"updated Bulkhead_Companion of {store_id} to 1.1.0, which dropped its webhooks"
    return None


def run_local_canary(local: LocalFabric, config: FirmConfig, record: bool = True) -> HealthReport:
    """The canary the daily schedule runs in AWS, against the sandbox stores and the moto account."""

    def token(store: Any) -> str:
        return wiring.secret(store.admin_token_secret_id)

    run_flow_schedule(local, config)  # a day of Flow's schedule, as the daily canary would find it
    now = datetime.now(UTC)
    flow = DispositionFlowDeliveries(DynamoDispositionStore(clients.client("dynamodb"), local.tables["Dispositions"]))
    with httpx.Client() as http:
        platforms: dict[Platform, Any] = {
            Platform.SHOPIFY: ShopifyControls(http, token),
            Platform.ADOBE_COMMERCE: AdobeCommerceControls(http, token),
        }
        oncall = SnsOnCall(clients.client("sns"), local.topics["OnCall"])
        report = check_controls(config, platforms, SesControls(clients.client("ses")), oncall, now, flow)
    if record:
        record_health(report, ledger(), CloudWatchDriftAlarm(clients.client("cloudwatch")), now)
    return report
