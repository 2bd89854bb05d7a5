"""The notification adapters as the handlers use them: one place that reads settings and secrets."""

import httpx

from functions.common import clients
from functions.common.clients import client
from functions.common.config import FirmConfig, Platform, StoreConfig
from functions.common.errors import ConfigurationError
from functions.common.settings import Env, env
from functions.common.shopify_admin import ShopifyAdmin, store_base
from functions.common.wiring import secret
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.notification.adapters.dynamodb import DynamoDeliveryGuard, DynamoSmsBudget
from functions.notification.adapters.ledger_records import LedgerBatchRecords
from functions.notification.adapters.magento import MagentoCustomerDirectory
from functions.notification.adapters.pseudonym import HmacPseudonyms
from functions.notification.adapters.s3_roster import S3RosterStore
from functions.notification.adapters.ses import SesBulkSender
from functions.notification.adapters.shopify import ShopifyCustomerDirectory
from functions.notification.adapters.sns_sms import SnsSmsSender
from functions.notification.ports import CustomerDirectory


def rosters() -> S3RosterStore:
    return S3RosterStore(client("s3"), env(Env.NOTIFICATION_BUCKET))


def pseudonyms(config: FirmConfig) -> HmacPseudonyms:
    return HmacPseudonyms(secret(config.notices.pseudonym_key_secret_id).encode())


def guard() -> DynamoDeliveryGuard:
    return DynamoDeliveryGuard(client("dynamodb"), env(Env.DELIVERIES_TABLE))


def sms_budget(config: FirmConfig, sms: SnsSmsSender) -> DynamoSmsBudget:
    return DynamoSmsBudget(
        client("dynamodb"), env(Env.DELIVERIES_TABLE), sms.monthly_spend_limit(), config.notices.sms_part_price_usd
    )


def email(config: FirmConfig, incident_id: str) -> SesBulkSender:
    return SesBulkSender(client("ses"), config.notices.sender, config.notices.configuration_set, incident_id)


def sms() -> SnsSmsSender:
    return SnsSmsSender(client("sns"))


def journal() -> DynamoLedgerStore:
    return DynamoLedgerStore(client("dynamodb"), env(Env.LEDGER_TABLE))


def records() -> LedgerBatchRecords:
    return LedgerBatchRecords(client("dynamodb"), env(Env.LEDGER_TABLE))


def directory(store: StoreConfig, http: httpx.Client) -> CustomerDirectory:
    """The customer directory of one store, authenticated with the store's admin token."""
    if store.admin_api_url is None and store.platform is Platform.ADOBE_COMMERCE:
        raise ConfigurationError(f"store {store.store_id}: admin_api_url is required for Adobe Commerce")
    token = secret(store.admin_token_secret_id)
    if store.platform is Platform.SHOPIFY:
        return ShopifyCustomerDirectory(
            ShopifyAdmin(http, store_base(store.admin_api_url, store.shop_domain), token), http
        )
    return MagentoCustomerDirectory(http, str(store.admin_api_url).rstrip("/"), token)


def http() -> httpx.Client:
    return clients.http()
