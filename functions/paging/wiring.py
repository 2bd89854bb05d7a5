"""The on-call pager: the SNS topic, plus PagerDuty for a stage that names a routing key."""

from functions.common.clients import client, http
from functions.common.settings import Env, env
from functions.common.wiring import firm_config, secret
from functions.paging.adapters.pagerduty import PagerDutyPager
from functions.paging.adapters.sns import FanOutPager, SnsPager


def oncall_pager(stage: str | None = None) -> FanOutPager:
    """Pages for `stage` (default: the first escalation stage) go to SNS, and to PagerDuty if set."""
    policy = firm_config().policy
    chosen = next((s for s in policy.escalation if s.name == stage), policy.escalation[0])
    pagers: list[SnsPager | PagerDutyPager] = [SnsPager(client("sns"), env(Env.ONCALL_TOPIC))]
    if chosen.pagerduty_routing_key_secret_id:
        pagers.append(PagerDutyPager(http(), secret(chosen.pagerduty_routing_key_secret_id)))
    return FanOutPager(*pagers)
