"""The clocks' adapters on the configured resources (used by the handlers and the CLI)."""

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from functions.clocks.adapters.dynamodb import DynamoClockStore
from functions.clocks.adapters.scheduler import SchedulerReminders
from functions.clocks.figures import Figures, figures, incident_figures
from functions.common.clients import client
from functions.common.settings import Env, env
from functions.common.wiring import firm_config
from functions.degradation.adapters.dynamodb import DynamoControlsStore
from functions.drills.domain import drills_index
from functions.ledger.adapters.dynamodb import DynamoLedgerStore


def clock_store() -> DynamoClockStore:
    return DynamoClockStore(client("dynamodb"), env(Env.CLOCKS_TABLE))


def reminders() -> SchedulerReminders:
    return SchedulerReminders(
        client("scheduler"), env(Env.REMINDER_GROUP), env(Env.ONCALL_TOPIC), env(Env.REMINDER_ROLE_ARN)
    )


def oncall_figures(now: datetime, incident_ids: Iterable[str] = ()) -> Figures:
    """Figures of every incident with a live clock (and of `incident_ids`), and every store's modes."""
    store = clock_store()
    chain = DynamoLedgerStore(client("dynamodb"), env(Env.LEDGER_TABLE))
    live = store.live()
    wanted = list(dict.fromkeys([*(c.incident_id for c in live), *incident_ids]))
    clocks = [c for incident_id in wanted for c in store.for_incident(incident_id)]
    live_count = Counter(c.incident_id for c in live)
    views = [incident_figures(i, chain.entries(i), live_count[i]) for i in wanted]
    controls = DynamoControlsStore(client("dynamodb"), env(Env.CONTROLS_TABLE))
    stores = [controls.current(s.store_id) for s in firm_config().stores]
    # The last drill: this year's drills index, or last year's early in January.
    scored = [e for year in (now.year, now.year - 1) for e in chain.entries(drills_index(year))]
    return figures([v for v in views if v is not None], clocks, stores, now, scored)
