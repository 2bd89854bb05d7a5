"""Containment's dependencies, built per invocation from configuration, settings and secrets.

The store's `admin_api_url` (a sandbox, a development store, or unset for the platform's own URL)
chooses where calls go; its admin token comes from Secrets Manager.
"""

from functions.common.clients import client, http
from functions.common.config import Platform
from functions.common.errors import ConfigurationError
from functions.common.magento_rest import MagentoRest
from functions.common.settings import Env, env
from functions.common.shopify_admin import ShopifyAdmin, store_base
from functions.common.wiring import firm_config, secret
from functions.containment.adapters import aws, magento, shopify
from functions.containment.adapters.audit import DispositionAuditTrail
from functions.containment.adapters.catalogue import ExecutorFactory, PlatformCatalogue
from functions.containment.adapters.journal import LedgerJournal
from functions.containment.adapters.vault import DynamoPreStateVault
from functions.containment.models import ActionKind
from functions.detection.adapters.dynamodb import DynamoDispositionStore
from functions.ledger.adapters.dynamodb import DynamoLedgerStore


def catalogue_for(store_id: str) -> PlatformCatalogue:
    store = firm_config().store(store_id)
    base, token = store_base(store.admin_api_url, store.shop_domain), secret(store.admin_token_secret_id)
    executors: dict[ActionKind, ExecutorFactory] = {
        ActionKind.AWS_BLOCK_IPS: lambda _: aws.WafIpBlock(client("wafv2")),
        ActionKind.AWS_ROTATE_SECRET: lambda _: aws.SecretRotation(client("secretsmanager")),
        ActionKind.AWS_BLOCK_BUCKET_PUBLIC_ACCESS: lambda _: aws.BucketPublicAccessBlock(client("s3")),
    }
    if store.platform is Platform.SHOPIFY:
        admin = ShopifyAdmin(http(), base, token)
        executors |= {
            ActionKind.SHOPIFY_REVOKE_STOREFRONT_TOKEN: lambda _: shopify.StorefrontTokens(admin),
            ActionKind.SHOPIFY_REMOVE_WEBHOOK: lambda _: shopify.WebhookSubscriptions(
                admin, store.trusted_webhook_hosts
            ),
            ActionKind.SHOPIFY_TAG_CUSTOMERS: lambda _: shopify.CustomerTags(admin),
            ActionKind.SHOPIFY_REVOKE_APP_ACCESS: lambda _: shopify.AppAccess(store.shop_domain),
            ActionKind.SHOPIFY_ROTATE_CHANNEL_TOKENS: lambda _: shopify.ChannelTokens(store.shop_domain),
        }
    else:
        rest = MagentoRest(http(), base, token, prefix=magento.REST_PREFIX)
        executors |= {
            ActionKind.MAGENTO_REVOKE_CUSTOMER_TOKENS: lambda _: magento.CustomerTokens(rest),
            ActionKind.MAGENTO_LOCK_ADMIN_USER: lambda _: magento.AdminUserLock(rest),
            ActionKind.MAGENTO_DISABLE_INTEGRATION: lambda _: magento.IntegrationSwitch(rest),
            ActionKind.MAGENTO_DISABLE_PAYMENT_METHOD: lambda _: magento.PaymentMethodSwitch(rest),
        }
    return PlatformCatalogue(executors)


def vault() -> DynamoPreStateVault:
    return DynamoPreStateVault(client("dynamodb"), client("kms"), env(Env.PRESTATES_TABLE), env(Env.PRESTATE_KEY_ID))


def journal() -> LedgerJournal:
    return LedgerJournal(DynamoLedgerStore(client("dynamodb"), env(Env.LEDGER_TABLE)))


def audit_trail() -> DispositionAuditTrail | None:
    """The detection windows, where this process can read them; else None (the operator's word stands)."""
    try:
        return DispositionAuditTrail(DynamoDispositionStore(client("dynamodb"), env(Env.DISPOSITIONS_TABLE)))
    except ConfigurationError:
        return None


def catalogue_for_none() -> PlatformCatalogue:
    """No executors: a manual task without a stored pre-state is recorded on the operator's word."""
    return PlatformCatalogue()
