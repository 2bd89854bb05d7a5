"""Approval adapters on the configured resources (handlers and the CLI)."""

from collections.abc import Callable

from functions.approval.adapters.aws import DynamoApprovalStore, DynamoNoticeReviewStore, StepFunctionsExecution
from functions.approval.links import sign_link
from functions.approval.models import LinkClaims
from functions.common.clients import client
from functions.common.config import ResponsePolicy
from functions.common.settings import Env, env
from functions.common.wiring import secret


def approval_store() -> DynamoApprovalStore:
    return DynamoApprovalStore(client("dynamodb"), env(Env.APPROVALS_TABLE))


def notice_review_store() -> DynamoNoticeReviewStore:
    return DynamoNoticeReviewStore(client("dynamodb"), env(Env.APPROVALS_TABLE))


def execution() -> StepFunctionsExecution:
    return StepFunctionsExecution(client("stepfunctions"))


def link_key(policy: ResponsePolicy) -> bytes | None:
    return secret(policy.approval_link_secret_id).encode() if policy.approval_link_secret_id else None


def link_maker(policy: ResponsePolicy) -> Callable[[LinkClaims], str | None]:
    """Signed links when the policy names a base URL and a key; otherwise pages carry the CLI only."""
    base, key_id = policy.approval_link_base_url, policy.approval_link_secret_id
    if base is None or key_id is None:
        return lambda _claims: None
    root = str(base).rstrip("/")
    return lambda claims: f"{root}/approvals?token={sign_link(claims, secret(key_id).encode())}"
