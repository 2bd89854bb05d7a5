"""The Bulkhead event bus: every event type and every rule pattern, defined once.

The CDK app builds its EventBridge rules from `ROUTES`; the local runtime matches the same
patterns (with EventBridge's own `TestEventPattern`) and delivers to the same targets.
"""

import json
from dataclasses import dataclass
from typing import Any, Literal

from functions.common.errors import TransientPlatformError


@dataclass(frozen=True)
class EventType:
    source: str
    detail_type: str

    @property
    def pattern(self) -> dict[str, list[str]]:
        return {"source": [self.source], "detail-type": [self.detail_type]}


SIGNAL_RECEIVED = EventType("bulkhead.ingest", "SignalReceived")
INCIDENT_DECLARED = EventType("bulkhead.detection", "IncidentDeclared")


@dataclass(frozen=True)
class Route:
    """One EventBridge rule: events matching `pattern` go to `target` (a fabric resource name)."""

    name: str
    pattern: dict[str, Any]
    target_kind: Literal["function", "state_machine"]
    target: str
    # Which part of the event the target receives: the function gets the whole event, the state
    # machine gets `detail` (its input contract).
    input_path: str | None = None
    # Which bus the rule listens on: Bulkhead's own, the account's default bus (where AWS services put
    # GuardDuty, Macie and Security Hub findings) or the Shopify partner event bus.
    source_bus: Literal["fabric", "default", "partner"] = "fabric"


ROUTES: tuple[Route, ...] = (
    Route("SignalsToDetection", SIGNAL_RECEIVED.pattern, "function", "DetectIncident"),
    Route("IncidentsToResponse", INCIDENT_DECLARED.pattern, "state_machine", "Response", "$.detail"),
    Route(
        "ShopifyPartnerEventsToIngest",
        {"source": [{"prefix": "aws.partner/shopify.com/"}]},
        "function",
        "ReceivePlatformEvent",
        source_bus="partner",
    ),
    Route(
        "SecurityFindingsToIngest",
        {
            "source": ["aws.guardduty", "aws.macie", "aws.securityhub"],
            "detail-type": ["GuardDuty Finding", "Macie Finding", "Security Hub Findings - Imported"],
        },
        "function",
        "ReceivePlatformEvent",
        source_bus="default",
    ),
    # A drill execution (named drill-<scenario>-<id>) ended: score it without a person. Step Functions
    # puts these on the default bus; ScoreDrill checks the machine and the drill mode itself.
    Route(
        "DrillExecutionsToScoring",
        {
            "source": ["aws.states"],
            "detail-type": ["Step Functions Execution Status Change"],
            "detail": {"status": ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"], "name": [{"prefix": "drill-"}]},
        },
        "function",
        "ScoreDrill",
        source_bus="default",
    ),
)


def put_event(events: Any, bus_name: str, event_type: EventType, detail: dict[str, Any]) -> None:
    """Put one event; a partial failure is an error the caller's retry sees."""
    response = events.put_events(
        Entries=[
            {
                "EventBusName": bus_name,
                "Source": event_type.source,
                "DetailType": event_type.detail_type,
                "Detail": json.dumps(detail, separators=(",", ":")),
            }
        ]
    )
    if response.get("FailedEntryCount", 0):
        code = response["Entries"][0].get("ErrorCode", "unknown")
        raise TransientPlatformError(f"event bus refused {event_type.detail_type}: {code}")
