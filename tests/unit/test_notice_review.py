"""The customer-notice review, pure: what is approved is what is sent, links are bound to one person,
the reviewers and their escalation come from the roster, and the policy is validated by field."""

from datetime import UTC, datetime, timedelta

import pytest

from functions.approval.domain import link_person
from functions.approval.links import InvalidApprovalLink, sign_link, verify_link
from functions.approval.models import LinkClaims, NoticeReviewDecision
from functions.approval.notice_review import review_document, review_stages
from functions.common.config import FirmConfig, Mode, Severity, parse_config
from functions.common.errors import ConfigurationError
from functions.notification.domain import NoticeChanged, notice_sha256, notices_for_review, send_batch
from functions.notification.facts import notice_facts
from functions.notification.models import AudienceResolved
from tests.fakes.ledger import MemoryLedger
from tests.fakes.notification import MemoryDeliveryGuard, SimulatedSes
from tests.unit.test_notification_sending import channels, incident, now, request, roster
from tests.unit.test_notification_sending import firm as sending_firm

CONFIG = sending_firm().model_dump_json(by_alias=True)
KEY = b"unit-approval-link-key-0123456789"
ROSTER = """, "roles": [
 {"role": "dpo", "people": [{"name": "Anna Schmidt", "contact": "dpo@acme.example"},
                            {"name": "Paul Richter", "contact": "legal@acme.example"}]},
 {"role": "customer_service", "people": [{"name": "Sam Okafor", "contact": "cs@acme.example", "id": "sam"}]}]"""


def firm(extra: str = "") -> FirmConfig:
    return parse_config(CONFIG[:-1] + ROSTER + extra + "}")


def audience() -> AudienceResolved:
    return AudienceResolved(
        incident_id="inc-unit-notify-0001",
        required=True,
        roster_bucket="memory",
        manifest_key="m",
        batches=1,
        customers=50,
        by_jurisdiction={"DE": 50},
        by_language={"de": 25, "en": 25},
        channels=("email",),
        email_rate_per_worker=100.0,
    )


def approved_hashes(config: FirmConfig) -> dict[str, str]:
    """What a reviewer approves for the live store's notices on `now()`'s day."""
    rendered = notices_for_review(incident(), config, audience(), Mode.LIVE, notice_facts([], now()), now().date())
    return review_document(rendered, 50, ("email",), now()).hashes


def test_the_approved_notice_is_sent_and_a_changed_one_is_refused_before_anything_goes() -> None:
    config = firm()
    approved = approved_hashes(config)
    assert sorted(approved) == ["gdpr/de", "gdpr/en"]
    # Given the approved hashes, When the batch is sent as approved, Then every customer gets it
    rosters, ref = roster()
    ses = SimulatedSes(quota=None)
    sent = request(ref).model_copy(update={"approved_notices": approved, "notice_on": now().date()})
    outcome = send_batch(sent, config, rosters, channels(MemoryDeliveryGuard(), ses), MemoryLedger(), now)
    assert outcome.emailed == 50
    # When the notice's text changed after the approval (here: another brand name in the configuration)
    changed = parse_config(CONFIG[:-1] + ROSTER + ', "firm_name": "Acme Renamed"}')  # the later key wins
    rosters, ref = roster()
    ses, guard, ledger = SimulatedSes(quota=None), MemoryDeliveryGuard(), MemoryLedger()
    with pytest.raises(NoticeChanged, match="differs from the one approved"):
        send_batch(sent, changed, rosters, channels(guard, ses), ledger, now)
    # Then nothing was sent, claimed or recorded
    assert sum(ses.delivered.values()) == 0 and guard.status == {} and ledger.entries == {}


def test_a_review_that_crossed_midnight_sends_the_notice_dated_as_reviewed() -> None:
    config = firm()
    approved = approved_hashes(config)
    rosters, ref = roster()
    sent = request(ref).model_copy(update={"approved_notices": approved, "notice_on": now().date()})
    tomorrow = now() + timedelta(days=1)
    outcome = send_batch(
        sent,
        config,
        rosters,
        channels(MemoryDeliveryGuard(), SimulatedSes(quota=None)),
        MemoryLedger(),
        lambda: tomorrow,
    )
    assert outcome.emailed == 50


def test_the_review_document_hashes_each_notice_with_its_greeting_left_a_placeholder() -> None:
    config = firm()
    rendered = notices_for_review(incident(), config, audience(), Mode.LIVE, notice_facts([], now()), now().date())
    document = review_document(rendered, 50, ("email",), now())
    assert all("{{greeting}}" in n.text for n in document.notices)
    assert [n.sha256 for n in document.notices] == [notice_sha256(rendered[n.key]) for n in document.notices]
    again = review_document(rendered, 50, ("email",), now())
    assert again.sha256 == document.sha256 and len(document.sha256) == 64


def test_reviewers_are_paged_person_by_person_in_the_severitys_role_order() -> None:
    stages = review_stages(firm(), Severity.HIGH)  # default: customer service, then the DPO
    assert [(s.role, s.person_id) for s in stages] == [
        ("customer_service", "sam"),
        ("dpo", "anna-schmidt"),
        ("dpo", "paul-richter"),
    ]


def test_a_link_is_bound_to_its_person_and_a_changed_person_id_breaks_the_signature() -> None:
    claims = LinkClaims(
        incident_id="inc-unit-notify-0001",
        stage=0,
        expires_at=now() + timedelta(hours=1),
        kind="notice_review",
        person_id="sam",
        person_name="Sam Okafor",
        role="customer_service",
        sha256="a" * 64,
    )
    token = sign_link(claims, KEY)
    assert link_person(verify_link(token, KEY, now()), "notice_review").person_name == "Sam Okafor"
    mac = token.split(".")[1]
    forged_claims = claims.model_copy(update={"person_id": "anna-schmidt"})
    forged_body = sign_link(forged_claims, KEY).split(".")[0]
    with pytest.raises(InvalidApprovalLink, match="signature"):
        verify_link(f"{forged_body}.{mac}", KEY, now())
    # ...and a review link does not approve a response, nor a link without a person anything
    with pytest.raises(InvalidApprovalLink, match="not a response approval"):
        link_person(verify_link(token, KEY, now()), "approval")
    anonymous = sign_link(claims.model_copy(update={"person_id": None, "person_name": None}), KEY)
    with pytest.raises(InvalidApprovalLink, match="names no person"):
        link_person(verify_link(anonymous, KEY, now()), "notice_review")


def test_a_rejection_must_say_why() -> None:
    with pytest.raises(ValueError, match="reason"):
        NoticeReviewDecision(incident_id="inc-unit-notify-0001", approved=False, reviewer="Sam Okafor")


@pytest.mark.parametrize(
    ("policy", "field"),
    [
        ('"notice_review": {"reviewers": {"high": ["ecommerce"]}}', "policy.notice_review.reviewers.high"),
        ('"notice_review": {"reviewers": {"high": []}}', "policy.notice_review.reviewers.high"),
        ('"notice_review": {"on_expiry": {"high": "maybe"}}', "policy.notice_review.on_expiry.high"),
        ('"notice_review": {"drills": "skip"}', "policy.notice_review.drills"),
        ('"escalation": [{"name": "on-call", "role": "ecommerce"}]', "policy.escalation.0.role"),
    ],
)
def test_a_bad_review_policy_is_refused_naming_the_field(policy: str, field: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        firm(f', "policy": {{{policy}}}')
    assert field in str(refused.value)


def test_two_people_with_one_roster_id_are_refused() -> None:
    twins = ', "roles": [{"role": "security", "people": [{"name": "Kim Lee", "contact": "a@x.example"}, ' \
        '{"name": "Kim-Lee", "contact": "b@x.example"}]}]'  # fmt: skip
    with pytest.raises(ConfigurationError, match="names two people"):
        parse_config(CONFIG[:-1] + twins + "}")


def test_the_expired_claims_of_a_link_still_refuse() -> None:
    late = LinkClaims(incident_id="inc-unit-notify-0001", stage=0, expires_at=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidApprovalLink, match="expired"):
        verify_link(sign_link(late, KEY), KEY, now())
