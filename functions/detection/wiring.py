"""Detection's dependencies, built per invocation (the rule book is parsed once per process)."""

from functions.common.clients import client
from functions.common.settings import Env, env
from functions.common.wiring import firm_config, utc_now
from functions.detection.adapters.dynamodb import DynamoDispositionStore
from functions.detection.adapters.eventbridge import EventBridgeIncidentBus
from functions.detection.domain import DetectDeps
from functions.detection.rules import packaged_rulebook
from functions.ledger.wiring import ledger


def detect_deps() -> DetectDeps:
    return DetectDeps(
        book=packaged_rulebook(),
        config=firm_config(),
        ledger=ledger(),
        dispositions=DynamoDispositionStore(client("dynamodb"), env(Env.DISPOSITIONS_TABLE)),
        bus=EventBridgeIncidentBus(client("events"), env(Env.EVENT_BUS)),
        now=utc_now(),
    )
