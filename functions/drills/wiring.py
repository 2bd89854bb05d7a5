"""The drills adapters as the handlers use them: one place that reads settings."""

from functions.common.clients import client
from functions.common.settings import Env, env
from functions.drills.adapters.ledger import StoredLedgerEvidence
from functions.drills.adapters.stepfunctions import StepFunctionsResponse


def response() -> StepFunctionsResponse:
    return StepFunctionsResponse(client("stepfunctions"), env(Env.RESPONSE_STATE_MACHINE))


def evidence() -> StoredLedgerEvidence:
    return StoredLedgerEvidence(
        client("dynamodb"),
        env(Env.LEDGER_TABLE),
        client("s3"),
        env(Env.LEDGER_ANCHOR_BUCKET),
        client("kms"),
        env(Env.LEDGER_SIGNING_KEY),
    )
