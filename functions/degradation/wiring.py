"""The degradation context's adapters, as its handlers (and the CLI) build them."""

from functools import cache

from functions.common.clients import client, http
from functions.common.config import FirmConfig, Platform
from functions.common.settings import Env, env
from functions.common.shopify_admin import ShopifyAdmin, store_base
from functions.common.wiring import secret
from functions.degradation.adapters.cache import CachedControls
from functions.degradation.adapters.dynamodb import DynamoControlsStore
from functions.degradation.adapters.shopify import NoProjection, ShopifyModesProjector
from functions.degradation.models import ControlsReading
from functions.degradation.ports import ModesProjector
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.models import LedgerEntry


def incident_entries(incident_id: str) -> list[LedgerEntry]:
    """The incident's chain, read to find which stores it degraded."""
    return list(DynamoLedgerStore(client("dynamodb"), env(Env.LEDGER_TABLE)).entries(incident_id))


def controls_store() -> DynamoControlsStore:
    return DynamoControlsStore(client("dynamodb"), env(Env.CONTROLS_TABLE))


def projector(config: FirmConfig, store_id: str) -> ModesProjector:
    """Shopify stores get the metafield projection; Adobe Commerce's gate reads the table itself."""
    store = config.store(store_id)
    if store.platform is Platform.ADOBE_COMMERCE:
        return NoProjection("adobe_commerce: the webhook gate reads the controls")
    if store.admin_api_url is None and store.sandbox:
        return NoProjection("skipped: sandbox store without an Admin API endpoint")
    admin = ShopifyAdmin(
        http(), store_base(store.admin_api_url, store.shop_domain), secret(store.admin_token_secret_id)
    )
    return ShopifyModesProjector(admin)


@cache
def gate_cache() -> CachedControls:
    """One per process: every gate request of a warm Lambda shares it."""
    return CachedControls()


def read_controls(store_id: str) -> ControlsReading:
    return gate_cache().read(store_id, controls_store().current)
