"""Shopify Admin GraphQL over httpx, and the containment executors built on it.

The client reads `extensions.cost.throttleStatus` on every answer: THROTTLED waits exactly until
the bucket holds the query's cost (inline when short, else `PlatformThrottled`); 5xx and transport
errors retry with jitter; `userErrors` and 4xx are permanent.
"""

from typing import Any
from urllib.parse import urlsplit

import httpx

from functions.common.errors import PermanentActionFailure
from functions.containment.adapters.retry import RetryAfter, RetryPolicy
from functions.containment.models import PlannedAction

API_VERSION = "2026-10"
CONTAINMENT_TAG = "bulkhead-contained"
_BATCH = 25  # aliased mutations per request: 25 x 10 points, well inside a standard bucket


class ShopifyAdmin:
    def __init__(self, http: httpx.Client, base_url: str, token: str, retry: RetryPolicy | None = None) -> None:
        self._http = http
        self._url = f"{base_url.rstrip('/')}/admin/api/{API_VERSION}/graphql.json"
        self._headers = {"X-Shopify-Access-Token": token, "Content-Type": "application/json"}
        self._retry = retry or RetryPolicy()
        self.last_throttle_status: dict[str, float] | None = None

    def execute(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._retry.run(lambda: self._once(query, variables or {}))

    def _once(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._http.post(self._url, headers=self._headers, json={"query": query, "variables": variables})
        except httpx.TransportError as exc:
            raise RetryAfter(0.0, f"Shopify unreachable: {type(exc).__name__}", throttled=False) from exc
        if response.status_code == 429:
            raise RetryAfter(float(response.headers.get("Retry-After", "1")), "Shopify HTTP 429", throttled=True)
        if response.status_code >= 500:
            raise RetryAfter(0.0, f"Shopify HTTP {response.status_code}", throttled=False)
        if response.status_code >= 400:
            raise PermanentActionFailure(f"Shopify refused the call: HTTP {response.status_code}")
        body = response.json()
        cost = (body.get("extensions") or {}).get("cost") or {}
        self.last_throttle_status = cost.get("throttleStatus")
        errors = body.get("errors") or []
        if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
            status = cost.get("throttleStatus") or {}
            missing = float(cost.get("requestedQueryCost") or 0) - float(status.get("currentlyAvailable") or 0)
            wait = max(missing, 0.0) / float(status.get("restoreRate") or 1.0)
            raise RetryAfter(wait, "Shopify THROTTLED", throttled=True)
        if errors:
            raise PermanentActionFailure(f"Shopify GraphQL error: {errors[0].get('message', 'unknown')}"[:300])
        return dict(body.get("data") or {})

    def mutate(
        self, query: str, variables: dict[str, Any], root: str, tolerate: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """Run a mutation; `userErrors` are permanent unless their message says the work is already done."""
        result = self.execute(query, variables)[root]
        problems = [e["message"] for e in result.get("userErrors") or [] if not _tolerated(e["message"], tolerate)]
        if problems:
            raise PermanentActionFailure(f"Shopify {root}: {'; '.join(problems)}"[:300])
        return dict(result)


def _tolerated(message: str, tolerate: tuple[str, ...]) -> bool:
    return any(t.lower() in message.lower() for t in tolerate)


# --- storefront access tokens ---------------------------------------------------------------

_TOKENS = "{ shop { storefrontAccessTokens(first: 100) { nodes { id title accessScopes { handle } } } } }"
_TOKEN_DELETE = """mutation StorefrontAccessTokenDelete($input: StorefrontAccessTokenDeleteInput!) {
  storefrontAccessTokenDelete(input: $input) { deletedStorefrontAccessTokenId userErrors { field message } } }"""
_TOKEN_CREATE = """mutation StorefrontAccessTokenCreate($input: StorefrontAccessTokenInput!) {
  storefrontAccessTokenCreate(input: $input) { storefrontAccessToken { id title } userErrors { field message } } }"""


class StorefrontTokens:
    """Revoke storefront access tokens (`target`: a token id, or `all`); restore issues replacements."""

    def __init__(self, admin: ShopifyAdmin) -> None:
        self._admin = admin

    def _tokens(self) -> list[dict[str, Any]]:
        return list(self._admin.execute(_TOKENS)["shop"]["storefrontAccessTokens"]["nodes"])

    def snapshot(self, action: PlannedAction) -> dict[str, Any]:
        tokens = [t for t in self._tokens() if action.target in ("all", t["id"])]
        return {"tokens": [{"id": t["id"], "title": t["title"], "scopes": t["accessScopes"]} for t in tokens]}

    def manual_instructions(self, action: PlannedAction, pre: dict[str, Any]) -> str | None:
        return None

    def apply(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        live = {t["id"] for t in self._tokens()}
        doomed = [t["id"] for t in pre["tokens"] if t["id"] in live]
        for token_id in doomed:
            self._admin.mutate(
                _TOKEN_DELETE, {"input": {"id": token_id}}, "storefrontAccessTokenDelete", ("does not exist",)
            )
        return len(doomed)

    def verify(self, action: PlannedAction, pre: dict[str, Any]) -> bool:
        live = {t["id"] for t in self._tokens()}
        return not live.intersection(t["id"] for t in pre["tokens"])

    def revert(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        """Issue one replacement per revoked token, same title (secrets are new by design)."""
        titles = [t["title"] for t in self._tokens()]
        created = 0
        for token in pre["tokens"]:
            if token["title"] in titles:  # a retried restore already issued it
                titles.remove(token["title"])
                continue
            self._admin.mutate(_TOKEN_CREATE, {"input": {"title": token["title"]}}, "storefrontAccessTokenCreate")
            created += 1
        return created


# --- webhook subscriptions ------------------------------------------------------------------

_HOOKS = """query Hooks { webhookSubscriptions(first: 100) { nodes {
  id topic uri format includeFields metafieldNamespaces filter } } }"""
_HOOK_DELETE = """mutation WebhookSubscriptionDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { field message } } }"""
_HOOK_CREATE = """mutation WebhookSubscriptionCreate(
  $topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id } userErrors { field message } } }"""


class WebhookSubscriptions:
    """Delete subscriptions that send data away (`target`: an id, `host:<name>`, or `untrusted`)."""

    def __init__(self, admin: ShopifyAdmin, trusted_hosts: tuple[str, ...]) -> None:
        self._admin = admin
        self._trusted = {h.lower() for h in trusted_hosts}

    def _hooks(self) -> list[dict[str, Any]]:
        return list(self._admin.execute(_HOOKS)["webhookSubscriptions"]["nodes"])

    def _selected(self, target: str, hook: dict[str, Any]) -> bool:
        host = (urlsplit(hook["uri"]).hostname or "").lower()
        if target == "untrusted":
            return host not in self._trusted
        if target.startswith("host:"):
            return host == target.removeprefix("host:").lower()
        return bool(hook["id"] == target)

    def snapshot(self, action: PlannedAction) -> dict[str, Any]:
        return {"subscriptions": [h for h in self._hooks() if self._selected(action.target, h)]}

    def manual_instructions(self, action: PlannedAction, pre: dict[str, Any]) -> str | None:
        return None

    def apply(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        live = {h["id"] for h in self._hooks()}
        doomed = [h["id"] for h in pre["subscriptions"] if h["id"] in live]
        for hook_id in doomed:
            self._admin.mutate(_HOOK_DELETE, {"id": hook_id}, "webhookSubscriptionDelete", ("does not exist",))
        return len(doomed)

    def verify(self, action: PlannedAction, pre: dict[str, Any]) -> bool:
        live = {h["id"] for h in self._hooks()}
        return not live.intersection(h["id"] for h in pre["subscriptions"])

    def revert(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        """Re-create each subscription from its snapshot (Shopify assigns a new id)."""
        live = {(h["topic"], h["uri"]) for h in self._hooks()}
        created = 0
        for hook in pre["subscriptions"]:
            if (hook["topic"], hook["uri"]) in live:
                continue
            sub = {
                k: hook[k] for k in ("uri", "format", "includeFields", "metafieldNamespaces", "filter") if hook.get(k)
            }
            self._admin.mutate(_HOOK_CREATE, {"topic": hook["topic"], "sub": sub}, "webhookSubscriptionCreate")
            created += 1
        return created


# --- customer tags --------------------------------------------------------------------------


def customer_gid(subject: str) -> str:
    raw = subject.removeprefix("customer:")
    return raw if raw.startswith("gid://") else f"gid://shopify/Customer/{raw}"


def _batches(items: list[str]) -> list[list[str]]:
    return [items[i : i + _BATCH] for i in range(0, len(items), _BATCH)]


class CustomerTags:
    """Tag affected customers (`subjects`) so checkout and account functions act on them."""

    def __init__(self, admin: ShopifyAdmin, tag: str = CONTAINMENT_TAG) -> None:
        self._admin = admin
        self._tag = tag

    def _tags(self, gids: list[str]) -> dict[str, list[str] | None]:
        found: dict[str, list[str] | None] = {}
        for batch in _batches(gids):
            fields = " ".join(f"c{i}: customer(id: $id{i}) {{ id tags }}" for i in range(len(batch)))
            params = ", ".join(f"$id{i}: ID!" for i in range(len(batch)))
            data = self._admin.execute(
                f"query Tags({params}) {{ {fields} }}", {f"id{i}": g for i, g in enumerate(batch)}
            )
            for i, gid in enumerate(batch):
                node = data.get(f"c{i}")
                found[gid] = list(node["tags"]) if node else None
        return found

    def _mutate(self, root: str, gids: list[str]) -> None:
        for batch in _batches(gids):
            params = ", ".join(f"$id{i}: ID!" for i in range(len(batch)))
            fields = " ".join(
                f"m{i}: {root}(id: $id{i}, tags: $tags) {{ node {{ id }} userErrors {{ field message }} }}"
                for i in range(len(batch))
            )
            data = self._admin.execute(
                f"mutation Tags($tags: [String!]!, {params}) {{ {fields} }}",
                {"tags": [self._tag], **{f"id{i}": g for i, g in enumerate(batch)}},
            )
            problems = [e["message"] for i in range(len(batch)) for e in data[f"m{i}"]["userErrors"]]
            if problems:
                raise PermanentActionFailure(f"Shopify {root}: {problems[0]} ({len(problems)} customers)")

    def snapshot(self, action: PlannedAction) -> dict[str, Any]:
        tags = self._tags([customer_gid(s) for s in action.subjects if s.startswith("customer:")])
        missing = [g for g, t in tags.items() if t is None]
        return {
            "tag": self._tag,
            "customers": [g for g, t in tags.items() if t is not None],
            "already_tagged": [g for g, t in tags.items() if t and self._tag in t],
            "missing": len(missing),
        }

    def manual_instructions(self, action: PlannedAction, pre: dict[str, Any]) -> str | None:
        return None

    def apply(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        tags = self._tags(pre["customers"])
        todo = [g for g, t in tags.items() if t is not None and pre["tag"] not in t]
        self._mutate("tagsAdd", todo)
        return len(todo)

    def verify(self, action: PlannedAction, pre: dict[str, Any]) -> bool:
        return all(t is None or pre["tag"] in t for t in self._tags(pre["customers"]).values())

    def revert(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        """Remove the tag only from customers who did not carry it before the incident."""
        tags = self._tags([g for g in pre["customers"] if g not in set(pre["already_tagged"])])
        todo = [g for g, t in tags.items() if t and pre["tag"] in t]
        self._mutate("tagsRemove", todo)
        return len(todo)


# --- app access -----------------------------------------------------------------------------

_APPS = "{ appInstallations(first: 100) { nodes { id app { id title handle } accessScopes { handle } } } }"


class AppAccess:
    """No Admin API lets Bulkhead's app remove another app's access: the merchant must uninstall it.

    The executor snapshots the installation and its scopes, hands a human exact instructions, and
    verifies by reading the installations back when the task is reported done.
    """

    def __init__(self, admin: ShopifyAdmin, shop_domain: str) -> None:
        self._admin = admin
        self._shop = shop_domain

    def _installation(self, target: str) -> dict[str, Any] | None:
        wanted = target.removeprefix("app:")
        gid = wanted if wanted.startswith("gid://") else f"gid://shopify/App/{wanted}"
        nodes = self._admin.execute(_APPS)["appInstallations"]["nodes"]
        return next((n for n in nodes if n["app"]["id"] == gid), None)

    def snapshot(self, action: PlannedAction) -> dict[str, Any]:
        found = self._installation(action.target)
        if found is None:
            return {"installed": False}
        scopes = [s["handle"] for s in found["accessScopes"]]
        return {"installed": True, "app": found["app"], "installation_id": found["id"], "scopes": scopes}

    def manual_instructions(self, action: PlannedAction, pre: dict[str, Any]) -> str | None:
        if not pre.get("installed"):
            return None
        app = pre["app"]
        return (
            f"In the Shopify admin of {self._shop}: Settings > Apps and sales channels > {app['title']} > "
            f"Uninstall (for a custom app: Settings > Apps > Develop apps > {app['title']} > API credentials > "
            f"Uninstall app). This removes its access ({', '.join(pre['scopes'])}). "
            f"Then run `bulkhead action done <incident> {action.action_id}`; Bulkhead checks that it is gone."
        )

    def apply(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        return 0

    def verify(self, action: PlannedAction, pre: dict[str, Any]) -> bool:
        return self._installation(action.target) is None

    def revert(self, action: PlannedAction, pre: dict[str, Any]) -> int | None:
        return None
