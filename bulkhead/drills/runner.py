"""Run one scenario on the local fabric: inject its signals through the real entry points, let
the response run (approving where it waits, as the on-call engineer would), score it, record the
scorecard in the incident's ledger, and write the HTML report.
"""

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bulkhead.drills.report import write_report
from bulkhead.local.paths import ROOT
from bulkhead.local.runtime import LocalFabric
from bulkhead.local.timeline import Step, ingest_steps, steps_from_history
from functions.approval.adapters.aws import DynamoApprovalStore, StepFunctionsExecution
from functions.approval.domain import decide
from functions.approval.models import ApprovalDecision
from functions.common import clients
from functions.common.config import FirmConfig
from functions.common.errors import ConfigurationError
from functions.common.wiring import firm_config
from functions.drills.adapters.ledger import StoredLedgerEvidence
from functions.drills.domain import drill_declaration, score_execution
from functions.drills.models import (
    AdobeCommerceWebhook,
    BusEvent,
    Declaration,
    Scenario,
    Scorecard,
    ScoreInputs,
    ShopifyWebhook,
)
from functions.ingest.shopify import sign
from functions.ledger.models import LedgerEntry, LedgerVerdict
from functions.ledger.wiring import ledger as fabric_ledger
from infra import fabric as fabric_spec

REPORTS = ROOT / "reports" / "drills"
APPROVER = "drill-approver"
# The sandbox Commerce instance's webhook signing key (its public half is the store's
# `webhook_secret_id`). Sandbox-only: outside the bulkhead/ prefix no deployed role may read.
COMMERCE_SIGNING_KEY = "sandbox/{store_id}/commerce-webhook-signing-key"


@dataclass
class DrillResult:
    scenario: Scenario
    drill_id: str
    incident_id: str | None = None
    execution_status: str = "NOT_STARTED"
    steps: list[Step] = field(default_factory=list)
    entries: list[LedgerEntry] = field(default_factory=list)
    verdict: LedgerVerdict | None = None
    scorecard: Scorecard | None = None
    report: Path | None = None
    problem: str | None = None

    @property
    def passed(self) -> bool:
        return self.scorecard is not None and self.scorecard.passed and bool(self.verdict and self.verdict.valid)


def run_scenario(local: LocalFabric, scenario: Scenario, reports: Path | None = REPORTS) -> DrillResult:
    config = firm_config()
    drill_id = uuid.uuid4().hex[:12]
    result = DrillResult(scenario=scenario, drill_id=drill_id)
    known = set(local.executions)
    mark, injected_at = time.monotonic(), datetime.now(UTC)
    accepted: list[tuple[str, int]] = []
    gaps: list[str] = []
    by_hand = False
    with _Approving(local, known):
        for signal in scenario.signals:
            if isinstance(signal, Declaration):
                _declare(local, scenario, signal, config, drill_id)
                by_hand = True
            else:
                accepted.append(_inject(local, scenario, signal, config, drill_id))
        local.settle(ignore=known)
        started = [a for a in local.executions if a not in known]
        if not started and scenario.fallback is not None:
            gaps.append(f"{_source(scenario)}: no rule declared an incident, so the drill declared it by hand")
            _declare(local, scenario, scenario.fallback, config, drill_id)
            by_hand = True
            local.settle(ignore=known)
            started = [a for a in local.executions if a not in known]
    if not started:
        result.problem = "no incident was declared: " + ", ".join(f"{s} -> HTTP {c}" for s, c in accepted)
        return result
    arn = started[-1]
    execution = local.execution(arn)
    incident_id = str(json.loads(execution["input"])["incident"]["incident_id"])
    history = clients.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]
    evidence = local_evidence(local)
    inputs = ScoreInputs(
        scenario=scenario,
        incident_id=incident_id,
        injected_at=injected_at,
        execution_status=str(execution["status"]),
        accepted=tuple(accepted),
        declared_by_hand=by_hand,
        gaps=tuple(gaps),
        slas=config.slas,
    )
    now = datetime.now(UTC)
    card = score_execution(inputs, evidence, fabric_ledger(), now)
    result.incident_id, result.execution_status, result.scorecard = incident_id, inputs.execution_status, card
    result.steps = ingest_steps(local.invocations.items(), mark) + steps_from_history(history)
    result.entries = evidence.entries(incident_id)
    result.verdict = evidence.verify(incident_id)  # again, with the scorecard on the chain
    if reports is not None:
        result.report = write_report(result, reports)
    return result


def local_evidence(local: LocalFabric) -> StoredLedgerEvidence:
    """The local fabric's ledger table, anchor bucket and signing key, as the scorer reads them."""
    return StoredLedgerEvidence(
        clients.client("dynamodb"),
        local.tables["Ledger"],
        clients.client("s3"),
        local.buckets["LedgerAnchors"],
        clients.client("kms"),
        fabric_spec.SIGNING_KEYS[0].alias,
    )


def _source(scenario: Scenario) -> str:
    kinds = [
        s.source if isinstance(s, BusEvent) else s.event if isinstance(s, AdobeCommerceWebhook) else s.via
        for s in scenario.signals
    ]
    return ", ".join(kinds)


def _declare(local: LocalFabric, scenario: Scenario, declared: Declaration, config: FirmConfig, drill_id: str) -> None:
    incident = drill_declaration(scenario, declared, config, drill_id, datetime.now(UTC))
    local.start_response(incident.model_dump(mode="json"), name=f"drill-{scenario.name}-{drill_id}"[:80])


def _inject(
    local: LocalFabric,
    scenario: Scenario,
    signal: ShopifyWebhook | AdobeCommerceWebhook | BusEvent,
    config: FirmConfig,
    drill_id: str,
) -> tuple[str, int]:
    fill = _filler(drill_id)
    if isinstance(signal, AdobeCommerceWebhook):
        return _commerce_deliveries(local, scenario, signal, fill)
    if isinstance(signal, BusEvent):
        response = clients.client("events").put_events(
            Entries=[
                {
                    "EventBusName": fabric_spec.EVENT_BUS_NAME,
                    "Source": signal.source,
                    "DetailType": signal.detail_type,
                    "Detail": json.dumps(fill(signal.detail)),
                }
            ]
        )
        return signal.source, 500 if response.get("FailedEntryCount") else 0
    store = config.store(scenario.store_id)
    secret = clients.client("secretsmanager").get_secret_value(SecretId=store.webhook_secret_id)["SecretString"]
    body = json.dumps(fill(signal.payload)).encode()
    headers = {
        "content-type": "application/json",
        "x-shopify-topic": signal.topic,
        "x-shopify-shop-domain": store.shop_domain,
        "x-shopify-event-id": f"drill-{drill_id}-{signal.topic.replace('/', '-')}",
        "x-shopify-webhook-id": f"wh-drill-{drill_id}",
        "x-shopify-triggered-at": datetime.now(UTC).isoformat(),
        "x-shopify-api-version": "2026-10",
        "x-shopify-hmac-sha256": sign(body, secret),
    }
    return signal.topic, local.post("/webhooks/shopify", headers, body).status


def _commerce_deliveries(
    local: LocalFabric, scenario: Scenario, signal: AdobeCommerceWebhook, fill: Callable[[Any], Any]
) -> tuple[str, int]:
    """Sign each delivery with the sandbox instance's private key, as Commerce does (RSA-SHA256 of base64(body))."""
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415 - drills only
    from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: PLC0415

    secret_id = COMMERCE_SIGNING_KEY.format(store_id=scenario.store_id)
    pem = clients.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigurationError(f"{secret_id} holds no RSA private key")
    statuses = []
    for n in range(1, signal.count + 1):
        data = _numbered(fill(signal.data), n)
        body = json.dumps({"eventName": signal.event, "data": data}).encode()
        signed = base64.b64encode(body)  # Commerce signs the base64 encoding of the body
        signature = base64.b64encode(key.sign(signed, padding.PKCS1v15(), hashes.SHA256())).decode()
        headers = {
            "content-type": "application/json",
            "x-bulkhead-store": scenario.store_id,
            "x-adobe-commerce-webhook-signature": signature,
        }
        statuses.append(local.post("/webhooks/adobe-commerce", headers, body).status)
    refused = [status for status in statuses if not 200 <= status < 300]
    return f"{signal.event} x{signal.count}", (refused or statuses)[0]


def _numbered(value: Any, n: int) -> Any:
    if isinstance(value, dict):
        return {k: _numbered(v, n) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbered(v, n) for v in value]
    if value == "{n}":
        return n
    if not isinstance(value, str):
        return value
    # `{n%K}` cycles 1..K: many deliveries against the same few accounts (credential stuffing).
    value = re.sub(r"\{n%(\d+)\}", lambda m: str((n - 1) % int(m.group(1)) + 1), value)
    return value.replace("{n}", str(n))


def _filler(drill_id: str) -> Callable[[Any], Any]:
    """Each run is a new attack: `{drill_number}`, `{drill_id}` and `{now}` are filled per run."""
    number = int(drill_id, 16) % 10**9
    now = datetime.now(UTC).isoformat()

    def fill(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            # `{"$repeat": n, "item": {...}}` stands for n copies: a burst without a long file.
            out: list[Any] = []
            for item in value:
                if isinstance(item, dict) and set(item) == {"$repeat", "item"}:
                    out.extend(fill(item["item"]) for _ in range(int(item["$repeat"])))
                else:
                    out.append(fill(item))
            return out
        if value == "{drill_number}":
            return number
        if isinstance(value, str):
            return value.replace("{drill_id}", drill_id).replace("{now}", now)
        return value

    return fill


class _Approving:
    """While a drill runs, grant every approval its executions wait for, as on-call would."""

    def __init__(self, local: LocalFabric, known: set[str]) -> None:
        self._local, self._known = local, known
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> "_Approving":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        table = self._local.tables.get("Approvals")
        if table is None:
            return
        dynamodb, sfn = clients.client("dynamodb"), clients.client("stepfunctions")
        approvals = DynamoApprovalStore(dynamodb, table)
        ledger = fabric_ledger()
        while not self._stop.wait(0.05):
            for incident_id in self._waiting_incidents():
                if approvals.get(incident_id) is None:
                    continue
                decision = ApprovalDecision(
                    incident_id=incident_id, approved=True, approver=APPROVER, note="drill: approved by the runner"
                )
                decide(decision, approvals, StepFunctionsExecution(sfn), ledger, datetime.now(UTC))

    def _waiting_incidents(self) -> list[str]:
        incidents = []
        for arn in [a for a in self._local.executions if a not in self._known]:
            execution = self._local.execution(arn)
            if execution["status"] == "RUNNING":
                incidents.append(str(json.loads(execution["input"])["incident"]["incident_id"]))
        return incidents
