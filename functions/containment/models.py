"""Containment actions: what the plan asks for, what each application did, and how it is undone."""

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field

from functions.common.config import Mode
from functions.common.models import INCIDENT_ID, Message, StepError


class ActionKind(StrEnum):
    SHOPIFY_REVOKE_STOREFRONT_TOKEN = "shopify.revoke_storefront_token"
    SHOPIFY_REMOVE_WEBHOOK = "shopify.remove_webhook_subscription"
    SHOPIFY_TAG_CUSTOMERS = "shopify.tag_customers"
    SHOPIFY_REVOKE_APP_ACCESS = "shopify.revoke_app_access"  # merchant-only: a guided manual task
    SHOPIFY_ROTATE_CHANNEL_TOKENS = "shopify.rotate_channel_tokens"  # merchant-only: a guided manual task
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
    target: str = Field(min_length=1, max_length=512, description="what the action acts on (see docs/containment.md)")
    reason: str
    # Platform ids the action applies to (customers to tag, addresses to block). They may identify
    # people: they travel in the execution and the encrypted pre-state, never in the ledger.
    subjects: tuple[str, ...] = Field(default=(), max_length=5_000)


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
    changed: int = 0
    pre_state_sha256: str | None = None


class ActionFailureRequest(Message):
    """Input of RecordActionFailure: the Map item plus the error its Catch put at `$.error`."""

    incident_id: str
    mode: Mode
    action: PlannedAction
    error: StepError


class PreState(Message):
    """What an action found before it acted: enough to put it back. Kept encrypted, outside the ledger."""

    incident_id: str
    action: PlannedAction
    state: dict[str, Any]


class RevertStatus(StrEnum):
    REVERTED = "reverted"
    ALREADY_REVERTED = "already_reverted"
    WOULD_REVERT = "would_revert"
    NOT_REVERSIBLE = "not_reversible"
    MANUAL_TASK = "manual_task"
    FAILED = "failed"


# Who restored, as the ledger records it: a roster person (`person:<name>`), the OS user where no
# roster is configured (`os-user:<login>`), or on AWS the caller's IAM principal (`iam:<arn>`).
Restorer = Annotated[str, Field(pattern=r"^(person|os-user|iam):\S.{0,299}$")]


class RestoreRequest(Message):
    """Input of the restore state machine and of its PlanRestore step."""

    incident_id: str = Field(pattern=INCIDENT_ID)
    mode: Mode = Mode.LIVE
    restored_by: Restorer


class RevertActionRequest(Message):
    """One item of the restore map: undo one applied action from its stored pre-state."""

    incident_id: str
    mode: Mode
    action_id: str
    kind: ActionKind
    restored_by: Restorer


class RestorePlan(Message):
    incident_id: str
    mode: Mode
    restored_by: Restorer
    actions: tuple[RevertActionRequest, ...]  # newest first: undone in reverse order of application
    already_reverted: int = Field(default=0, ge=0)  # actions a previous restore reverted: left alone


class RestoreCheck(Message):
    """A restore read back: the platform state after the inverse against the sealed pre-state.

    `before` and `after` are summaries an auditor can compare (counts, titles, flags, SHA-256 of the
    objects' identifying fields), never the objects themselves: customer and address lists stay in
    the vault. `verified` is false, with the `reason`, where the platform does not show the pre-state.
    """

    before: dict[str, Any]
    after: dict[str, Any]
    verified: bool
    reason: str = ""


class RevertOutcome(Message):
    action_id: str
    kind: ActionKind
    status: RevertStatus
    detail: str = ""
    changed: int = 0
    before: dict[str, Any] | None = None  # the read-back check (RestoreCheck); None where none ran
    after: dict[str, Any] | None = None
    verified: bool | None = None


class RevertFailureRequest(Message):
    incident_id: str
    mode: Mode
    action_id: str
    kind: ActionKind
    restored_by: Restorer
    error: StepError


class RestoreCloseRequest(Message):
    incident_id: str
    mode: Mode
    restored_by: Restorer
    reverts: tuple[RevertOutcome, ...]
    already_reverted: int = Field(default=0, ge=0)  # from the plan: reverted by an earlier restore
    modes_cleared: int = Field(default=0, ge=0)  # degradation rules of the incident returned to normal
    modes_failed: bool = False  # clearing them failed: on-call was paged to clear them by hand


class RestoreOutcome(Message):
    """What a restore changed, counted as the ledger records it: `reverted` counts only actions this
    run changed back; one a previous run had reverted is `already_reverted`; a dry run's `would_revert`."""

    incident_id: str
    mode: Mode
    restored_by: Restorer
    reverted: int
    unchanged: int = 0  # reverted, but the platform already matched the pre-state: nothing was changed
    already_reverted: int = 0
    would_revert: int = 0
    not_reversible: int
    manual_tasks: int
    failed: int  # each action whose revert failed or whose read-back did not show the pre-state
    verified: int = 0  # actions whose read-back showed the pre-state again
    failed_actions: tuple[str, ...] = ()  # the failed actions, by id: each one paged on-call
    modes_cleared: int = 0
    modes_failed: bool = False
    actions: tuple[RevertOutcome, ...] = ()  # each action: its result and how many objects it changed
