"""Containment actions: what the plan asks for and what each application did."""

from enum import StrEnum

from pydantic import Field

from functions.common.config import Mode
from functions.common.models import Message, StepError


class ActionKind(StrEnum):
    SHOPIFY_REVOKE_STOREFRONT_TOKEN = "shopify.revoke_storefront_token"
    SHOPIFY_REMOVE_WEBHOOK = "shopify.remove_webhook_subscription"
    SHOPIFY_TAG_CUSTOMERS = "shopify.tag_customers"
    SHOPIFY_REVOKE_APP_ACCESS = "shopify.revoke_app_access"
    MAGENTO_REVOKE_CUSTOMER_TOKENS = "magento.revoke_customer_tokens"
    MAGENTO_LOCK_ADMIN_USER = "magento.lock_admin_user"
    MAGENTO_DISABLE_INTEGRATION = "magento.disable_integration"
    MAGENTO_DISABLE_PAYMENT_METHOD = "magento.disable_payment_method"
    AWS_BLOCK_IPS = "aws.waf_block_ips"
    AWS_ROTATE_SECRET = "aws.rotate_secret"
    AWS_BLOCK_BUCKET_PUBLIC_ACCESS = "aws.block_bucket_public_access"


class ActionStatus(StrEnum):
    APPLIED = "applied"
    ALREADY_APPLIED = "already_applied"
    WOULD_APPLY = "would_apply"
    MANUAL_TASK = "manual_task"
    FAILED = "failed"


class PlannedAction(Message):
    action_id: str = Field(pattern=r"^act-[0-9a-z-]{1,80}$")
    kind: ActionKind
    store_id: str
    target: str = Field(min_length=1, max_length=512, description="what the action acts on")
    reason: str


class ApplyActionRequest(Message):
    """Input of the ApplyContainmentAction step (one Map item)."""

    incident_id: str
    mode: Mode
    action: PlannedAction


class ActionOutcome(Message):
    action_id: str
    kind: ActionKind
    status: ActionStatus
    detail: str = ""


class ActionFailureRequest(Message):
    """Input of RecordActionFailure: the Map item plus the error its Catch put at `$.error`."""

    incident_id: str
    mode: Mode
    action: PlannedAction
    error: StepError
