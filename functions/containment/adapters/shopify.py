"""The containment executors on Shopify Admin GraphQL.

The client (functions/common/shopify_admin.py) waits out short throttling and retries 5xx and
transport errors briefly, then leaves them to the state machine; `userErrors` and 4xx are permanent.

Shopify shows an app only what that app made (docs/containment.md, "Who can pull each lever"):
Bulkhead's token lists and deletes Bulkhead's own webhook subscriptions and storefront tokens, and
cannot list other apps (`read_apps` is for custom apps only). So the automatic executors act on
Bulkhead's own objects, never on its own delivery paths, and what only the merchant can do
(uninstall another app, rotate a sales channel's tokens) is a guided manual task.
"""

from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from functions.common.errors import PermanentActionFailure
from functions.common.shopify_admin import ShopifyAdmin, admin_link
from functions.containment.checks import compared, digest
from functions.containment.models import PlannedAction, RestoreCheck
from functions.degradation.shopify import AFFECTED_TAG
from functions.health.models import HTTP_WEBHOOK_PATH

# The tag the checkout functions read for the `affected` segment: one constant, both sides.
CONTAINMENT_TAG = AFFECTED_TAG
OPERATOR_VERIFIED = {"verify": "operator"}  # no API can read the result back: the operator's word, on record
_BATCH = 25  # aliased mutations per request: 25 x 10 points, well inside a standard bucket


# --- storefront access tokens ---------------------------------------------------------------

_TOKENS = "{ shop { storefrontAccessTokens(first: 100) { nodes { id title accessScopes { handle } } } } }"
_TOKEN_DELETE = """mutation StorefrontAccessTokenDelete($input: StorefrontAccessTokenDeleteInput!) {
  storefrontAccessTokenDelete(input: $input) { deletedStorefrontAccessTokenId userErrors { field message } } }"""
_TOKEN_CREATE = """mutation StorefrontAccessTokenCreate($input: StorefrontAccessTokenInput!) {
  storefrontAccessTokenCreate(input: $input) { storefrontAccessToken { id title } userErrors { field message } } }"""


class StorefrontTokens:
    """Revoke Bulkhead's own storefront access tokens (`target`: a token id, or `all`).

    Tokens belong to the app that created them: this lists and deletes only Bulkhead's. A headless
    channel's or another app's tokens are rotated by the merchant (`ChannelTokens`). Restore issues
    replacements with the same titles.
    """

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

    def restore_check(self, action: PlannedAction, pre: dict[str, Any]) -> RestoreCheck:
        """Restored: one live token per revoked one, same title. A revoked token cannot come back: the
        replacements have new ids and secrets, and the record says so."""
        wanted = Counter(t["title"] for t in pre["tokens"])
        live = Counter(t["title"] for t in self._tokens() if t["title"] in wanted)
        before = {"tokens": sum(wanted.values()), "titles": sorted(wanted.elements())}
        after = {"tokens": sum((live & wanted).values()), "titles": sorted((live & wanted).elements())}
        missing = sorted((wanted - live).elements())
        return compared(
            before,
            after,
            f"storefront token {missing[0]!r} was not re-issued" if missing else "",
            "re-issued with the same titles: new ids and secrets (a revoked token cannot come back)",
        )


# --- webhook subscriptions ------------------------------------------------------------------

_HOOKS = """query Hooks { webhookSubscriptions(first: 100) { nodes {
  id topic uri format includeFields metafieldNamespaces filter } } }"""


def delivery_path(hook: dict[str, Any]) -> bool:
    """One of Bulkhead's own delivery paths, trusted by construction whatever `trusted_webhook_hosts` says.

    Bulkhead's app subscribes HTTPS topics to its ingest (`.../webhooks/shopify`) and the audit
    stream to its EventBridge partner source; Pub/Sub is an app-owned channel too. Removing any of
    them would blind Bulkhead in the middle of an incident.
    """
    uri = str(hook.get("uri") or "")
    if not uri.startswith(("https://", "http://")):
        return True  # arn:aws:events:... or pubsub://...: no host, only an app-owned event channel
    return urlsplit(uri).path.rstrip("/").endswith(HTTP_WEBHOOK_PATH)


_HOOK_DELETE = """mutation WebhookSubscriptionDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { field message } } }"""
_HOOK_CREATE = """mutation WebhookSubscriptionCreate(
  $topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id } userErrors { field message } } }"""


class WebhookSubscriptions:
    """Delete Bulkhead's own subscriptions that send data away (`target`: an id, `host:<name>`, or `untrusted`).

    `webhookSubscriptions` lists only the calling app's subscriptions: one made with Bulkhead's
    credentials by someone else is found here; another app's is the merchant's to remove
    (uninstalling that app: `AppAccess`). Bulkhead's delivery paths are never selected.
    """

    def __init__(self, admin: ShopifyAdmin, trusted_hosts: tuple[str, ...]) -> None:
        self._admin = admin
        self._trusted = {h.lower() for h in trusted_hosts}

    def _hooks(self) -> list[dict[str, Any]]:
        return list(self._admin.execute(_HOOKS)["webhookSubscriptions"]["nodes"])

    def _selected(self, target: str, hook: dict[str, Any]) -> bool:
        if delivery_path(hook):
            return False
        host = (urlsplit(hook["uri"]).hostname or "").lower()
        if target == "untrusted":
            return host not in self._trusted
        if target.startswith("host:"):
            return host == target.removeprefix("host:").lower()
        return bool(hook["id"] == target)

    def snapshot(self, action: PlannedAction) -> dict[str, Any]:
        hooks = self._hooks()
        return {
            "subscriptions": [h for h in hooks if self._selected(action.target, h)],
            "delivery_paths_kept": sum(1 for h in hooks if delivery_path(h)),
        }

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

    def restore_check(self, action: PlannedAction, pre: dict[str, Any]) -> RestoreCheck:
        """Restored: a live subscription per removed one with the same topic, address, format, fields
        and filter (Shopify gives a re-created subscription a new id)."""
        wanted = [_shape(h) for h in pre["subscriptions"]]
        live = {_shape(h) for h in self._hooks()}
        found = [s for s in wanted if s in live]
        missing = [s for s in wanted if s not in live]

        def summary(shapes: list[tuple[Any, ...]]) -> dict[str, Any]:
            return {
                "subscriptions": len(shapes),
                "topics": sorted(s[0] for s in shapes),
                "sha256": digest(sorted(shapes)),
            }

        reason = ""
        if missing:
            host = urlsplit(str(missing[0][1])).hostname or "its address"
            reason = f"subscription {missing[0][0]} to {host} was not re-created as it was"
        return compared(
            summary(wanted),
            summary(found),
            reason,
            "re-created with the same topic, address, format and filter; new ids",
        )


def _shape(hook: dict[str, Any]) -> tuple[Any, ...]:
    """What makes a subscription the same subscription, whatever its id (absent fields as Shopify defaults them)."""
    return (
        hook["topic"],
        hook["uri"],
        hook.get("format") or "JSON",
        tuple(sorted(hook.get("includeFields") or ())),
        tuple(sorted(hook.get("metafieldNamespaces") or ())),
        hook.get("filter") or "",
    )


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

    def restore_check(self, action: PlannedAction, pre: dict[str, Any]) -> RestoreCheck:
        """Restored: exactly the customers who carried the tag before the incident carry it now
        (a customer deleted since has nothing to restore and is counted apart)."""
        tags = self._tags(pre["customers"])
        live = {g for g, t in tags.items() if t is not None}
        had = sorted(set(pre["already_tagged"]) & live)
        has = sorted(g for g, t in tags.items() if t and pre["tag"] in t)
        extra, lost = len(set(has) - set(had)), len(set(had) - set(has))
        before = {"customers": len(pre["customers"]), "tagged": len(pre["already_tagged"])}
        after = {"customers": len(live), "tagged": len(has)}
        verified = (extra, lost) == (0, 0)
        gone = len(pre["customers"]) - len(live)
        reason = f"{gone} customers were deleted since" if gone else ""
        if not verified:
            reason = f"{extra} customers still carry {pre['tag']} and {lost} lost it, against the pre-state"
        return RestoreCheck(
            before=before | {"sha256": digest(sorted(pre["already_tagged"]))},
            after=after | {"sha256": digest(has)},
            verified=verified,
            reason=reason,
        )


# --- merchant-only levers ------------------------------------------------------------------


class AppAccess:
    """Remove another app's access: only the merchant can, by uninstalling it.

    Bulkhead's app cannot list other apps (`appInstallations` needs `read_apps`, granted to custom
    apps only) nor remove them, and uninstalling also removes that app's webhook subscriptions and
    storefront tokens. So this is a guided manual task: the deep link, the exact steps, and what to
    watch to know it worked. No API reads it back: completion is the operator's report, refused while
    the audit trail still shows the incident's activity (containment.domain.complete_manual_task).
    """

    def __init__(self, shop_domain: str) -> None:
        self._shop = shop_domain

    def snapshot(self, action: PlannedAction) -> dict[str, Any]:
        return {"app": action.target.removeprefix("app:"), **OPERATOR_VERIFIED}

    def manual_instructions(self, action: PlannedAction, pre: dict[str, Any]) -> str | None:
        app = pre["app"]
        return (
            f"Merchant task for {self._shop}: remove app {app}'s access. 1. Open "
            f"{admin_link(self._shop, 'settings/apps')} (Settings > Apps and sales channels), find the app "
            f"(id {app}) and choose Uninstall; for a custom app made in the admin, open "
            f"{admin_link(self._shop, 'settings/apps/development')} > the app > API credentials > Uninstall app. "
            "Uninstalling removes its access token, its webhook subscriptions and its storefront tokens. "
            "2. A webhook made in Settings > Notifications > Webhooks is not an app's: delete it there. "
            "3. Verify: the store's Admin API audit stream (audit_events/admin_api_activity) shows no further "
            f"call by app {app}. Then record it with "
            f"`bulkhead action done {pre.get('incident_id', '<incident>')} {action.action_id}`; Bulkhead refuses "
            "it while its audit-trail record still shows the incident's activity after this task was raised."
        )

    def apply(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        return 0

    def verify(self, action: PlannedAction, pre: dict[str, Any]) -> bool:
        return False  # Bulkhead's app cannot read another app's installation: never "done at once"

    def revert(self, action: PlannedAction, pre: dict[str, Any]) -> int | None:
        return None

    def restore_check(self, action: PlannedAction, pre: dict[str, Any]) -> RestoreCheck:
        return _unreadable("reinstalling the app is the merchant's; no API reads it back")


class ChannelTokens:
    """Rotate a sales channel's storefront tokens (a headless storefront, a mobile app): merchant-only.

    Those tokens belong to the channel that created them; Bulkhead's app can neither list nor
    delete them. The merchant revokes and re-issues them in the channel, then redeploys the
    storefront with the new public token.
    """

    def __init__(self, shop_domain: str) -> None:
        self._shop = shop_domain

    def snapshot(self, action: PlannedAction) -> dict[str, Any]:
        return {"channel": action.target, **OPERATOR_VERIFIED}

    def manual_instructions(self, action: PlannedAction, pre: dict[str, Any]) -> str | None:
        return (
            f"Merchant task for {self._shop}: rotate the storefront tokens of the sales channel ({pre['channel']}). "
            f"1. Open {admin_link(self._shop, 'settings/apps')} > Sales channels > Headless (or the channel that "
            "serves the leaking storefront) > the storefront > Storefront API > Manage. 2. Revoke the public and "
            "private access tokens, create new ones, and redeploy the storefront with them. 3. Verify: the old "
            "token answers 401 on the Storefront API and the storefront works with the new one. Then record it "
            f"with `bulkhead action done {pre.get('incident_id', '<incident>')} {action.action_id}`."
        )

    def apply(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        return 0

    def verify(self, action: PlannedAction, pre: dict[str, Any]) -> bool:
        return False

    def revert(self, action: PlannedAction, pre: dict[str, Any]) -> int | None:
        return None

    def restore_check(self, action: PlannedAction, pre: dict[str, Any]) -> RestoreCheck:
        return _unreadable("a channel's tokens are the merchant's; no API reads them back")


def _unreadable(why: str) -> RestoreCheck:
    """A merchant-only lever: restore is a manual task (never checked here; the record says why)."""
    return RestoreCheck(before={"readable": False}, after={"readable": False}, verified=False, reason=why)
