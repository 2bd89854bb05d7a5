"""Incident command's adapters on the configured resources (the CLI, locally and in AWS)."""

from datetime import datetime

from functions.clocks.wiring import clock_store
from functions.common.clients import client
from functions.common.settings import Env, env
from functions.common.wiring import firm_config
from functions.degradation.adapters.dynamodb import DynamoControlsStore
from functions.incidents.adapters.dynamodb import DynamoIncidentIndex
from functions.incidents.adapters.stepfunctions import StepFunctionsEscalation
from functions.incidents.tasks import create_tasks, escalate_overdue, page_dpo_tasks
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.models import EntryType
from functions.ledger.wiring import ledger
from functions.paging.wiring import oncall_pager


def index() -> DynamoIncidentIndex:
    return DynamoIncidentIndex(client("dynamodb"), env(Env.LEDGER_TABLE))


def chain() -> DynamoLedgerStore:
    return DynamoLedgerStore(client("dynamodb"), env(Env.LEDGER_TABLE))


def escalation_runner() -> StepFunctionsEscalation:
    return StepFunctionsEscalation(client("stepfunctions"), lambda: env(Env.ESCALATION_STATE_MACHINE))


def controls() -> DynamoControlsStore:
    return DynamoControlsStore(client("dynamodb"), env(Env.CONTROLS_TABLE))


def sweep_tasks(incident_ids: list[str], now: datetime) -> tuple[list[str], list[str]]:
    """Create the tasks each incident's record calls for and escalate the overdue ones (the clock sweep)."""
    created: list[str] = []
    overdue: list[str] = []
    config, appender, pager = firm_config(), ledger(), oncall_pager()
    for incident_id in incident_ids:
        entries = list(chain().entries(incident_id))
        if not any(e.type is EntryType.INCIDENT_DECLARED for e in entries):
            continue  # clocks without a declaration in the ledger: nothing to assign
        made = create_tasks(incident_id, entries, clock_store().for_incident(incident_id), config, appender, now)
        created += [f"{incident_id}/{t}" for t in made]
        if made:
            entries = list(chain().entries(incident_id))
            if page_dpo_tasks(incident_id, entries, made, appender, pager, now):
                entries = list(chain().entries(incident_id))
        late = escalate_overdue(incident_id, entries, config, appender, pager, now)
        overdue += [f"{incident_id}/{t}" for t in late]
    return created, overdue
