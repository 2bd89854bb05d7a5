"""Drills: scenarios as data, and the scorecard that says whether the response met them.

A scenario names the signals it injects (through the real entry points) and the response it
expects; a scorecard compares that expectation with what the ledger and the execution recorded.
"""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from functions.common.config import Regime, ResponseSlas, Severity, Slug
from functions.common.models import Message
from functions.containment.models import ActionKind
from functions.degradation.models import DegradationMode
from functions.ingest.models import DataCategory


class ShopifyWebhook(Message):
    """A signed HTTPS delivery to the webhook API, as Shopify sends it."""

    via: Literal["shopify_webhook"]
    topic: str = Field(min_length=1, max_length=128)
    payload: dict[str, Any]


class AdobeCommerceWebhook(Message):
    """Signed deliveries to `POST /webhooks/adobe-commerce`, as the Commerce instance sends them.

    `count` deliveries of one event (a burst); `{n}` in `data` is filled with the delivery's number,
    so each body, and so each delivery's identity (the body's hash), is its own.
    """

    via: Literal["adobe_commerce_webhook"]
    event: str = Field(min_length=1, max_length=200, description="eventName, e.g. observer.customer_login")
    data: dict[str, Any]
    count: int = Field(default=1, ge=1, le=500)


class BusEvent(Message):
    """An event put on the Bulkhead bus, as an AWS service or a partner source delivers it."""

    via: Literal["bus_event"]
    source: str = Field(min_length=1, max_length=256)
    detail_type: str = Field(min_length=1, max_length=128)
    detail: dict[str, Any]


class Declaration(Message):
    """An incident declared by hand (`bulkhead drill` as the operator), for sources not yet ingestible."""

    via: Literal["declare"]
    rule_id: str = Field(min_length=1, max_length=128)
    title: str = Field(min_length=1, max_length=200)
    severity: Severity
    data_categories: tuple[DataCategory, ...] = ()
    components: tuple[str, ...] = Field(min_length=1)
    customer_ids: tuple[int, ...] = Field(default=(), max_length=10_000, description="platform ids in scope")
    actor: str = Field(default="drill", min_length=1, max_length=256)


Injection = Annotated[ShopifyWebhook | AdobeCommerceWebhook | BusEvent | Declaration, Field(discriminator="via")]


class ExpectedResponse(Message):
    rule_id: str = Field(min_length=1)
    severity: Severity
    approval: bool = Field(default=False, description="the response waits for a human; the drill approves")
    actions: tuple[ActionKind, ...] = ()
    modes: tuple[DegradationMode, ...] = ()
    notify_customers: bool
    clocks: tuple[Regime, ...] = ()


class Scenario(Message):
    name: Slug
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1)
    store_id: Slug
    signals: tuple[Injection, ...] = Field(min_length=1)
    # Declared by hand when the signals cannot reach detection: their source has no route yet
    # (locally), or the drill starts the deployed state machine directly (`--target aws`). The
    # scorecard then marks detection as not covered instead of passing it.
    fallback: Declaration | None = None
    expected: ExpectedResponse

    @model_validator(mode="after")
    def _fallback_matches(self) -> "Scenario":
        declarations = [s for s in self.signals if isinstance(s, Declaration)]
        for declared in [*declarations, *([self.fallback] if self.fallback else [])]:
            if declared.rule_id != self.expected.rule_id:
                raise ValueError(f"declaration rule {declared.rule_id!r} is not the expected {self.expected.rule_id!r}")
        return self


class CheckStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_COVERED = "not_covered"  # the drill could not exercise it (yet); never counts as passed


class StepCheck(Message):
    step: str
    expected: str
    actual: str
    status: CheckStatus


class Measure(StrEnum):
    DETECT = "detect"
    CONTAIN = "contain"
    NOTIFY = "notify"


class TimeCheck(Message):
    measure: Measure
    seconds: float | None
    sla_seconds: float
    status: CheckStatus


class ClockCheck(Message):
    """A legal clock computed from awareness; in a drill it is never filed."""

    regime: Regime
    deadline: datetime
    notified_at: datetime | None
    status: CheckStatus


class Scorecard(Message):
    scenario: str
    incident_id: str
    mode: str
    execution_status: str
    injected_at: datetime
    scored_at: datetime
    steps: tuple[StepCheck, ...]
    times: tuple[TimeCheck, ...]
    clocks: tuple[ClockCheck, ...]
    ledger_entries: int
    ledger_valid: bool
    # The full verification: signed heads checked against the key and found in the anchor bucket.
    anchors_verified: int = 0
    ledger_fully_verified: bool = False
    passed: bool
    gaps: tuple[str, ...] = Field(default=(), description="what the drill could not exercise, and why")

    def summary(self) -> dict[str, Any]:
        """What the ledger keeps: counts, times and the verdict, never a payload."""
        return {
            "scenario": self.scenario,
            "passed": self.passed,
            "execution_status": self.execution_status,
            "steps": {s.value: sum(1 for c in self.steps if c.status is s) for s in CheckStatus},
            "failed_steps": [c.step for c in self.steps if c.status is CheckStatus.FAILED],
            "times": {t.measure.value: t.seconds for t in self.times},
            "slas": {t.measure.value: t.sla_seconds for t in self.times},
            "clocks": {c.regime.value: c.status.value for c in self.clocks},
            "ledger_valid": self.ledger_valid,
            "anchors_verified": self.anchors_verified,
            "ledger_fully_verified": self.ledger_fully_verified,
            "gaps": list(self.gaps),
        }


class ScoreInputs(Message):
    """What the scorer reads: the scenario, what was injected, what the fabric recorded."""

    scenario: Scenario
    incident_id: str
    injected_at: datetime
    execution_status: str
    accepted: tuple[tuple[str, int], ...] = Field(default=(), description="(signal, HTTP status or 0 if put)")
    declared_by_hand: bool = False
    gaps: tuple[str, ...] = ()
    slas: ResponseSlas = ResponseSlas()


class ScheduledDrill(Message):
    """Output of StartScheduledDrill: what was started, or why nothing was."""

    started: bool
    reason: str
    scenario: str | None = None
    store_id: str | None = None
    incident_id: str | None = None
    execution_arn: str | None = None


class ExecutionEnded(BaseModel):
    """`detail` of Step Functions' "Execution Status Change" event (AWS's format: unknown fields ignored)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    execution_arn: str = Field(alias="executionArn")
    state_machine_arn: str = Field(alias="stateMachineArn")
    name: str
    status: str
    start_date: int = Field(alias="startDate", description="epoch milliseconds")
    input: str | None = None

    @property
    def started_at(self) -> datetime:
        return datetime.fromtimestamp(self.start_date / 1000, UTC)


class DrillScored(Message):
    """Output of ScoreDrill: the verdict, or why the execution was not scored."""

    scored: bool
    reason: str
    incident_id: str | None = None
    scenario: str | None = None
    passed: bool | None = None


class ExecutionStatusChange(BaseModel):
    """The EventBridge event around `ExecutionEnded` (only `detail` is read)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    detail: ExecutionEnded
