"""The drill scorecard: expected steps against the ledger, times against SLAs, clocks against deadlines."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.clocks.rules import first_deadline
from functions.common.config import ResponseSlas
from functions.drills.domain import record_scorecard, scenario_of, score
from functions.drills.models import CheckStatus, Measure, Scenario, ScoreInputs
from functions.ledger.domain import verify_chain
from functions.ledger.models import GENESIS_HASH, EntryDraft, EntryType
from tests.fakes.ledger import MemoryLedger

T0 = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)

SCENARIO = Scenario.model_validate(
    {
        "name": "bulk-export-unknown-app",
        "title": "Bulk export",
        "description": "An unknown app exports customers.",
        "store_id": "acme-eu",
        "signals": [{"via": "shopify_webhook", "topic": "bulk_operations/finish", "payload": {}}],
        "expected": {
            "rule_id": "shopify-bulk-customer-export",
            "severity": "critical",
            "actions": ["shopify.revoke_storefront_token", "shopify.tag_customers"],
            "modes": ["account_read_only"],
            "notify_customers": True,
            "clocks": ["gdpr_art33", "dora"],
        },
    }
)


INCIDENT = "inc-20261127-abc"


def chain(*steps: tuple[EntryType, float, dict[str, Any]]) -> MemoryLedger:
    ledger = MemoryLedger()
    for entry_type, seconds, data in steps:
        ledger.append(INCIDENT, EntryDraft(type=entry_type, actor="t", at=T0 + timedelta(seconds=seconds), data=data))
    return ledger


def good_response() -> MemoryLedger:
    return chain(
        (EntryType.SIGNAL_DISPOSITION, 0.1, {"outcome": "declared"}),
        (
            EntryType.INCIDENT_DECLARED,
            0.2,
            {"rule_id": "shopify-bulk-customer-export", "severity": "critical", "mode": "drill"},
        ),
        (
            EntryType.RESPONSE_PLANNED,
            0.3,
            {
                "actions": [
                    "shopify.revoke_storefront_token",
                    "shopify.tag_customers",
                    "shopify.remove_webhook_subscription",
                ],
                "modes": ["account_read_only"],
                "mode": "drill",
            },
        ),
        (EntryType.DEGRADATION_SET, 0.4, {"modes": ["account_read_only"]}),
        (EntryType.ACTION_PLANNED, 0.4, {"kind": "shopify.revoke_storefront_token"}),
        (EntryType.ACTION_APPLIED, 0.5, {"kind": "shopify.revoke_storefront_token", "status": "applied"}),
        (EntryType.ACTION_PLANNED, 0.4, {"kind": "shopify.tag_customers"}),
        (EntryType.ACTION_MANUAL_TASK, 0.6, {"kind": "shopify.tag_customers", "status": "manual_task"}),
        (EntryType.NOTIFICATION_PLANNED, 0.8, {"customers": 4, "required": True}),
        (EntryType.INCIDENT_CLOSED, 0.9, {"mode": "drill"}),
    )


def inputs(**changes: Any) -> ScoreInputs:
    values: dict[str, Any] = {
        "scenario": SCENARIO,
        "incident_id": INCIDENT,
        "injected_at": T0,
        "execution_status": "SUCCEEDED",
        "accepted": (("bulk_operations/finish", 202),),
    }
    return ScoreInputs(**(values | changes))


def scored(ledger: MemoryLedger, **changes: Any):  # type: ignore[no-untyped-def]
    entries = ledger.entries[INCIDENT]
    return score(inputs(**changes), entries, verify_chain(INCIDENT, entries), T0 + timedelta(seconds=2))


def test_a_response_that_did_every_expected_step_in_time_passes() -> None:
    card = scored(good_response())

    assert card.passed
    assert {c.status for c in card.steps} == {CheckStatus.PASSED}
    times = {t.measure: t.seconds for t in card.times}
    assert times == {
        Measure.DETECT: pytest.approx(0.2),
        Measure.CONTAIN: pytest.approx(0.6),
        Measure.NOTIFY: pytest.approx(0.8),
    }
    assert [(c.regime.value, c.status) for c in card.clocks] == [("gdpr_art33", "passed"), ("dora", "passed")]
    assert card.clocks[1].deadline == first_deadline(card.clocks[1].regime, T0)


def test_a_failed_action_fails_its_step_and_the_drill() -> None:
    ledger = good_response()
    ledger.entries[INCIDENT] = [e for e in ledger.entries[INCIDENT] if e.data.get("kind") != "shopify.tag_customers"]
    ledger.entries[INCIDENT] = [e.model_copy(update={"seq": i}) for i, e in enumerate(ledger.entries[INCIDENT])]
    failing = chain(*[(e.type, (e.at - T0).total_seconds(), e.data) for e in ledger.entries[INCIDENT]])
    failing.append(
        INCIDENT,
        EntryDraft(
            type=EntryType.ACTION_FAILED, actor="t", at=T0, data={"kind": "shopify.tag_customers", "error": "Boom"}
        ),
    )

    card = scored(failing)

    assert not card.passed
    tag = next(c for c in card.steps if c.step == "contain: shopify.tag_customers")
    assert (tag.status, tag.actual) == (CheckStatus.FAILED, "failed: Boom")


def test_a_slow_containment_misses_the_sla() -> None:
    card = scored(good_response(), slas=ResponseSlas(contain_seconds=0.5))

    contain = next(t for t in card.times if t.measure is Measure.CONTAIN)
    assert contain.status is CheckStatus.FAILED
    assert not card.passed


def test_a_stopped_response_fails_the_closed_step_with_the_step_that_stopped_it() -> None:
    ledger = good_response()
    ledger.entries[INCIDENT].pop()  # no incident.closed
    ledger.append(
        INCIDENT,
        EntryDraft(
            type=EntryType.STEP_FAILED, actor="t", at=T0, data={"step": "NotifyCustomers", "error": "ImportError"}
        ),
    )

    card = scored(ledger, execution_status="FAILED")

    closed = next(c for c in card.steps if c.step == "response closed")
    assert closed.status is CheckStatus.FAILED
    assert "NotifyCustomers" in closed.actual


def test_a_hand_declared_incident_leaves_detection_not_covered_and_names_the_gap() -> None:
    card = scored(good_response(), accepted=(), declared_by_hand=True, gaps=("aws.macie: no route",))

    detected = next(c for c in card.steps if c.step == "incident detected")
    assert detected.status is CheckStatus.NOT_COVERED
    assert next(t for t in card.times if t.measure is Measure.DETECT).status is CheckStatus.NOT_COVERED
    assert card.passed  # not covered is reported, never counted as passed or failed
    assert "aws.macie: no route" in card.gaps


def test_a_rejected_delivery_fails_its_signal_step() -> None:
    card = scored(good_response(), accepted=(("bulk_operations/finish", 401),))
    assert card.steps[0].status is CheckStatus.FAILED
    assert not card.passed


def test_a_wrong_severity_fails_detection() -> None:
    ledger = good_response()
    entries = [
        e.model_copy(update={"data": {**e.data, "severity": "high"}}) if e.type is EntryType.INCIDENT_DECLARED else e
        for e in ledger.entries[INCIDENT]
    ]
    rebuilt = chain(*[(e.type, (e.at - T0).total_seconds(), e.data) for e in entries])
    card = scored(rebuilt)
    assert next(c for c in card.steps if c.step == "incident detected").status is CheckStatus.FAILED


def test_the_scorecard_is_recorded_as_drill_scored_with_counts_not_payloads() -> None:
    ledger = good_response()
    card = scored(ledger)

    entry = record_scorecard(card, ledger, T0 + timedelta(seconds=3))  # type: ignore[arg-type]

    assert entry.type is EntryType.DRILL_SCORED
    assert entry.prev_hash == ledger.entries[INCIDENT][-2].hash != GENESIS_HASH
    assert entry.data["passed"] is True
    assert entry.data["steps"] == {"passed": len(card.steps), "failed": 0, "not_covered": 0}
    assert entry.data["clocks"] == {"gdpr_art33": "passed", "dora": "passed"}
    assert verify_chain(INCIDENT, ledger.entries[INCIDENT]).valid


def test_a_drill_incident_names_its_scenario() -> None:
    assert scenario_of(("shopify:evt-1", "drill:macie-customer-exports:0a1b2c")) == "macie-customer-exports"
    assert scenario_of(("shopify:evt-1",)) is None


class LocalSigner:
    """An ECDSA P-256 key standing in for the KMS signing key."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric import ec

        self._key = ec.generate_private_key(ec.SECP256R1())
        self.key_id = "local-test-key"

    def sign(self, message: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        return self._key.sign(message, ec.ECDSA(hashes.SHA256()))

    def public_key_pem(self) -> str:
        from cryptography.hazmat.primitives import serialization

        return (
            self._key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )


def anchored(ledger: MemoryLedger, signer: LocalSigner) -> list[Any]:
    from functions.ledger.domain import sign_head
    from functions.ledger.models import MILESTONES

    return [sign_head(e, MILESTONES[e.type], signer) for e in ledger.entries[INCIDENT] if e.type in MILESTONES]


def test_the_full_verification_counts_the_signed_heads_and_a_rewritten_chain_fails_the_drill() -> None:
    from functions.ledger.domain import verify_ledger

    # Given a response whose milestone heads (declared, closed) were signed and anchored
    signer, ledger = LocalSigner(), good_response()
    anchors = anchored(ledger, signer)
    sealed = [e.sealed() for e in ledger.entries[INCIDENT]]

    # When it is scored with the full verification
    verdict = verify_ledger(INCIDENT, sealed, anchors, signer.public_key_pem())
    card = score(inputs(), ledger.entries[INCIDENT], verdict, T0 + timedelta(seconds=2))

    # Then the ledger step says how many signed heads verified, and the summary keeps the count
    check = next(c for c in card.steps if c.step == "ledger verified")
    assert (check.status, card.anchors_verified, card.ledger_fully_verified) == (CheckStatus.PASSED, 2, True)
    assert "2 signed heads valid and anchored" in check.actual
    assert card.summary()["anchors_verified"] == 2 and card.passed

    # Given the same chain rewritten and re-hashed after the fact (the anchors still name the old heads)
    rewritten = chain(*[(e.type, (e.at - T0).total_seconds(), {**e.data, "x": 1}) for e in ledger.entries[INCIDENT]])
    sealed = [e.sealed() for e in rewritten.entries[INCIDENT]]
    verdict = verify_ledger(INCIDENT, sealed, anchors, signer.public_key_pem())
    card = score(inputs(), rewritten.entries[INCIDENT], verdict, T0 + timedelta(seconds=2))

    # Then the hash chain alone would pass, but the full verification fails the drill at the first signed head
    assert verify_chain(INCIDENT, rewritten.entries[INCIDENT]).valid
    check = next(c for c in card.steps if c.step == "ledger verified")
    assert check.status is CheckStatus.FAILED and "signed head" in check.actual and not card.passed


def test_a_notice_owed_to_no_one_is_not_passed_but_named_as_a_gap() -> None:
    # Given a response that owed a notice but whose scope resolved no customer
    entries = [
        (e.type, (e.at - T0).total_seconds(), {"customers": 0, "required": True})
        if e.type is EntryType.NOTIFICATION_PLANNED
        else (e.type, (e.at - T0).total_seconds(), e.data)
        for e in good_response().entries[INCIDENT]
    ]
    card = scored(chain(*entries))
    # Then "customers notified" is not covered, said plainly, and listed among the gaps
    check = next(c for c in card.steps if c.step == "customers notified")
    assert check.status is CheckStatus.NOT_COVERED
    assert "no one was notified" in check.actual
    assert any(g.startswith("customers notified") for g in card.gaps)


def test_a_response_that_leaves_manual_tasks_open_scores_and_says_the_incident_awaits_a_person() -> None:
    # Given the response ended with a manual task open: response.completed, not incident.closed
    ledger = good_response()
    ledger.entries[INCIDENT].pop()  # no incident.closed
    ledger.append(
        INCIDENT,
        EntryDraft(
            type=EntryType.RESPONSE_COMPLETED,
            actor="response",
            at=T0 + timedelta(seconds=0.9),
            data={"mode": "drill", "manual_tasks": 1, "open_tasks": ["act-03-revoke-app-access"]},
        ),
    )

    card = scored(ledger)

    # Then the response's end is scored, and the check says who closes the incident
    closed = next(c for c in card.steps if c.step == "response closed")
    assert closed.status is CheckStatus.PASSED
    assert "1 manual tasks open: the incident awaits a person to close it" in closed.actual
