"""Scheduled every few minutes -> clocks.domain.sweep; then the on-call figures as EMF metrics."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.clocks import metrics
from functions.clocks.domain import sweep
from functions.clocks.wiring import clock_store, oncall_figures
from functions.common.observability import logger, tracer
from functions.common.wiring import utc_now
from functions.incidents.wiring import sweep_tasks
from functions.ledger.wiring import ledger
from functions.paging.wiring import oncall_pager


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    now = utc_now()
    result = sweep(clock_store(), ledger(), oncall_pager(), now)
    # The roles' tasks follow the clocks: created as the record calls for them, escalated when late.
    created, overdue = sweep_tasks(list(dict.fromkeys(c.incident_id for c in clock_store().live())), now)
    figures = oncall_figures(now)
    written = metrics.emit(figures)
    # The dashboard's "soonest clock" widget reads these two keys from this line (a Logs Insights query).
    logger.info(
        "clocks swept",
        open=result.open_clocks,
        missed=len(result.missed),
        near=result.near,
        tasks_created=len(created),
        tasks_overdue=len(overdue),
        metrics=written,
        soonest_clock=figures.soonest_clock,
        soonest_seconds_left=figures.soonest_seconds_left,
    )
    return result.model_dump(mode="json")
