"""The ledger as the functions use it: chained appends on the configured table."""

from functions.common.clients import client
from functions.common.settings import Env, env
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.domain import ChainedLedger


def ledger() -> ChainedLedger:
    return ChainedLedger(DynamoLedgerStore(client("dynamodb"), env(Env.LEDGER_TABLE)))
