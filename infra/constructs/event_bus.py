"""The Bulkhead event bus and its rules, built from `functions.common.bus.ROUTES`.

The rule patterns live once, in Python, next to the code that puts the events; the local runtime
matches the very same patterns. A function target gets the whole event; a state machine target
gets the part its input contract names (`route.input_path`, e.g. `$.detail`).
"""

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from functions.common.bus import Route

# EventBridge pattern keys -> `events.EventPattern` fields.
_PATTERN_FIELDS = {
    "source": "source",
    "detail-type": "detail_type",
    "detail": "detail",
    "account": "account",
    "region": "region",
    "resources": "resources",
    "id": "id",
    "time": "time",
    "version": "version",
}
# EventBridge retries a failed delivery with backoff for up to this long, then dead-letters it.
DELIVERY_RETRY_ATTEMPTS = 8
DELIVERY_MAX_EVENT_AGE = Duration.hours(4)


# Content filters a top-level field may use, as CDK spells them (they render back to the same JSON).
_MATCHERS = {"prefix": events.Match.prefix, "suffix": events.Match.suffix}


def _top_level(values: Any) -> Any:
    """Top-level fields are typed string lists in CDK: content filters go through `events.Match`."""
    if not isinstance(values, list) or not any(isinstance(v, dict) for v in values):
        return values
    parts: list[Any] = []
    for value in values:
        if isinstance(value, str):
            parts.append(events.Match.exact_string(value))
            continue
        ((kind, argument),) = value.items()
        if kind not in _MATCHERS:
            raise ValueError(f"content filter {kind!r} has no events.Match form here: add it to _MATCHERS")
        parts.append(_MATCHERS[kind](argument))
    return parts[0] if len(parts) == 1 else events.Match.any_of(*parts)


def event_pattern(pattern: Mapping[str, Any]) -> events.EventPattern:
    unknown = set(pattern) - set(_PATTERN_FIELDS)
    if unknown:
        raise ValueError(f"event pattern keys {sorted(unknown)} have no EventPattern field")
    return events.EventPattern(
        **{_PATTERN_FIELDS[key]: value if key == "detail" else _top_level(value) for key, value in pattern.items()}
    )


class FabricBus(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, bus_name: str, partner_bus_name: str | None) -> None:
        super().__init__(scope, construct_id)
        self.bus = events.EventBus(self, "Bus", event_bus_name=bus_name)
        # Rules may also listen where others put events: AWS services on the account's default bus,
        # Shopify on its partner event bus (named when the partner event source is associated).
        self.sources: dict[str, events.IEventBus] = {
            "fabric": self.bus,
            "default": events.EventBus.from_event_bus_name(self, "DefaultBus", "default"),
        }
        if partner_bus_name:
            self.sources["partner"] = events.EventBus.from_event_bus_name(self, "PartnerBus", partner_bus_name)
        self.rules: dict[str, events.Rule] = {}

    def route(
        self,
        route: Route,
        *,
        functions: Mapping[str, lambda_.IFunction],
        state_machines: Mapping[str, sfn.IStateMachine],
        dead_letters: sqs.IQueue,
    ) -> events.Rule | None:
        """The rule for one route; None when its source bus is not configured (no partner bus yet)."""
        source = getattr(route, "source_bus", "fabric")
        if source not in self.sources:
            return None
        delivery: dict[str, Any] = {
            "dead_letter_queue": dead_letters,
            "retry_attempts": DELIVERY_RETRY_ATTEMPTS,
            "max_event_age": DELIVERY_MAX_EVENT_AGE,
        }
        given = events.RuleTargetInput.from_event_path(route.input_path) if route.input_path else None
        target: events.IRuleTarget
        if route.target_kind == "function":
            target = targets.LambdaFunction(functions[route.target], event=given, **delivery)
        else:
            target = targets.SfnStateMachine(state_machines[route.target], input=given, **delivery)
        rule = events.Rule(
            self,
            route.name,
            event_bus=self.sources[source],
            description=f"Bulkhead route {route.name}: {route.target_kind} {route.target}",
            event_pattern=event_pattern(route.pattern),
            targets=[target],
        )
        self.rules[route.name] = rule
        return rule
