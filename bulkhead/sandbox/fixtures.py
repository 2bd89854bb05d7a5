"""The data a sandbox store starts with: a few customers, tokens, webhooks, apps and admin users.

The ids line up with the drill's signals (customers 7001-7004, app 9912345, integration 12).
"""

from bulkhead.sandbox.shopify.operations.storefront_tokens import new_token
from bulkhead.sandbox.shopify.operations.webhooks import subscription
from bulkhead.sandbox.state import StoreState

CUSTOMER_IDS = (7001, 7002, 7003, 7004, 7005, 7006)
COMPROMISED_APP_ID = 9912345
# (country, locale, phone prefix) of the Shopify sandbox customers: the EU store's markets.
SHOPIFY_CONTACTS = (("DE", "de", "+4915550"), ("FR", "fr", "+3361550"), ("ES", "es", "+3461550"))


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
            country, locale, phone = SHOPIFY_CONTACTS[n % len(SHOPIFY_CONTACTS)]
            state.table("customers")[gid] = {
                "__typename": "Customer",
                "id": gid,
                "displayName": f"Sandbox Customer {n}",
                "firstName": "Sandbox",
                # Reserved domains and fictional numbers: a sandbox customer can never be a real person.
                "email": f"customer{n}@sandbox.invalid",
                "phone": f"{phone}{n}",
                "locale": locale,
                "defaultAddress": {"countryCodeV2": country, "provinceCode": None},
                "tags": ["private-client"] if n % 2 else [],
                "segments": [],
                "state": "ENABLED",
            }
        new_token(state, "Headless storefront")
        new_token(state, "Mobile app")
        for gid, topic, uri in (
            (
                "gid://shopify/WebhookSubscription/5001",
                "CUSTOMERS_CREATE",
                "https://crm.acme-wealth.example/hooks/shopify",
            ),
            ("gid://shopify/WebhookSubscription/5002", "ORDERS_CREATE", "https://collector.exfil.example/o"),
        ):
            state.table("webhooks")[gid] = subscription(gid, topic, {"uri": uri})
        for app_id, title, scopes in (
            (COMPROMISED_APP_ID, "Customer Insights Export", ("read_customers", "read_orders")),
            (1200001, "Acme Reviews", ("read_products",)),
        ):
            gid = f"gid://shopify/AppInstallation/{app_id}"
            state.table("apps")[gid] = {
                "__typename": "AppInstallation",
                "id": gid,
                "app": {"id": f"gid://shopify/App/{app_id}", "title": title, "handle": title.lower().replace(" ", "-")},
                "accessScopes": [{"handle": s} for s in scopes],
            }


def seed_magento(state: StoreState) -> None:
    with state.lock:
        for n in CUSTOMER_IDS:
            state.table("customers")[str(n)] = {
                "id": n,
                "group_id": 1,
                "email": f"customer{n}@sandbox.invalid",
                "firstname": "Sandbox",
                "lastname": f"Customer {n}",
                "store_id": 1,
                "website_id": 1,
                "active_tokens": 2,
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
