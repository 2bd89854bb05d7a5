"""Bulkhead's controls on the local fabric, so `bulkhead health` has something real to check.

On AWS the controls are installed once per store (the app's scopes, webhook subscriptions, the two
checkout functions, the Adobe Commerce gate webhooks, a verified SES sender, an on-call
subscription). Locally this module installs the same on the sandbox stores and the moto account,
and serves the few read-only sandbox queries the canary needs that the sandbox does not yet
answer (`customersCount`, Adobe Commerce `GET /V1/webhooks/list`); it
registers them only when the sandbox has none of its own. SES quota comes from the local runtime,
which gives the moto account production access.
"""

from datetime import UTC, datetime
from typing import Any

import httpx

from bulkhead.local.runtime import LocalFabric
from bulkhead.sandbox.fixtures import BULKHEAD_PARTNER_SOURCE, BULKHEAD_WEBHOOK_URL
from bulkhead.sandbox.http import Request, Response
from bulkhead.sandbox.magento import registry as magento_registry
from bulkhead.sandbox.shopify import registry as shopify_registry
from bulkhead.sandbox.shopify.apps_model import bulkhead_installation
from bulkhead.sandbox.shopify.operations.webhooks import subscription
from bulkhead.sandbox.state import StoreState
from bulkhead.sandbox.stores import SandboxStore
from functions.common import clients, wiring
from functions.common.config import FirmConfig, Platform
from functions.health.adapters.aws import CloudWatchDriftAlarm, SesControls, SnsOnCall
from functions.health.adapters.platforms import AdobeCommerceControls, ShopifyControls
from functions.health.domain import check_controls, record_health
from functions.health.models import ADOBE_WEBHOOKS, SHOPIFY_SCOPES, SHOPIFY_WEBHOOKS, HealthReport
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
        else:
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


def _register_sandbox_reads() -> None:
    if "customersCount" not in shopify_registry.OPERATIONS:
        shopify_registry.operation("customersCount", kind="query", cost=1)(_customers_count)
    if magento_registry.match("GET", "/V1/webhooks/list") is None:
        magento_registry.route("GET", "/V1/webhooks/list")(_webhooks_list)


def _customers_count(state: StoreState, args: dict[str, Any]) -> Any:  # noqa: ARG001
    return {"count": len(state.table("customers")), "precision": "EXACT"}


def _webhooks_list(state: StoreState, request: Request, params: dict[str, str]) -> Response:  # noqa: ARG001
    return Response(200, list(state.table("adobe_webhooks").values()))


BREAKABLE = ("webhook", "scope", "function", "adobe-webhook", "oncall")


def break_control(local: LocalFabric, config: FirmConfig, control: str) -> str:
    """Break one control on purpose, as drift would (a merchant, an update, an expiry); say what broke."""
    shopify = next(s for s in config.stores if s.platform.value == "shopify")
    adobe = next((s for s in config.stores if s.platform.value == "adobe_commerce"), None)
    state = local.sandboxes[shopify.store_id].state
    if control == "function":
        # The sandbox deploys Bulkhead's functions on first read: read them so there is one to disable.
        with httpx.Client() as http:
            ShopifyControls(http, lambda store: wiring.secret(store.admin_token_secret_id)).checkout_functions(shopify)
    with state.lock:
        if control == "webhook":
            hooks = state.table("webhooks")
            gid = next(g for g, h in hooks.items() if h["topic"] == "BULK_OPERATIONS_FINISH")
            del hooks[gid]
            return f"deleted the BULK_OPERATIONS_FINISH webhook subscription of {shopify.store_id}"
        if control == "scope":
            installation = state.table("current_app")["installation"]
            installation["accessScopes"] = [s for s in installation["accessScopes"] if s["handle"] != "write_customers"]
            return f"revoked the write_customers scope on {shopify.store_id}"
        if control == "function":
            validation = next(iter(state.table("validations").values()))
            validation["enabled"] = False
            return f"disabled the checkout-pause validation function on {shopify.store_id}"
    if control == "adobe-webhook" and adobe is not None:
        adobe_state = local.sandboxes[adobe.store_id].state
        with adobe_state.lock:
            adobe_state.table("adobe_webhooks").pop("plugin.magento.sales.api.order_management.place", None)
        return f"removed the checkout gate webhook of {adobe.store_id}"
    if control == "oncall":
        sns = clients.client("sns")
        for subscription_ in sns.list_subscriptions_by_topic(TopicArn=local.topics["OnCall"])["Subscriptions"]:
            sns.unsubscribe(SubscriptionArn=subscription_["SubscriptionArn"])
        return "unsubscribed everyone from the on-call topic"
    raise ValueError(f"cannot break {control!r}; choose one of {', '.join(BREAKABLE)}")


def run_local_canary(local: LocalFabric, config: FirmConfig, record: bool = True) -> HealthReport:
    """The canary the daily schedule runs in AWS, against the sandbox stores and the moto account."""

    def token(store: Any) -> str:
        return wiring.secret(store.admin_token_secret_id)

    now = datetime.now(UTC)
    with httpx.Client() as http:
        platforms: dict[Platform, Any] = {
            Platform.SHOPIFY: ShopifyControls(http, token),
            Platform.ADOBE_COMMERCE: AdobeCommerceControls(http, token),
        }
        oncall = SnsOnCall(clients.client("sns"), local.topics["OnCall"])
        report = check_controls(config, platforms, SesControls(clients.client("ses")), oncall, now)
    if record:
        record_health(report, ledger(), CloudWatchDriftAlarm(clients.client("cloudwatch")), now)
    return report
