"""Regulator drafts: which regimes, and what each draft says (never more than the ledger shows).

Given an incident, its resolved audience and what the ledger records, When the drafts are made,
Then firm-level regimes follow the firm's authorisations, counts come from the resolved audience,
and each draft carries its regime's fields and no other regime's.
"""

from datetime import UTC, datetime, timedelta

import pytest

from functions.common.config import FirmConfig, Regime
from functions.detection.models import AffectedScope, Incident
from functions.ingest.models import DataCategory
from functions.notification import regulators
from functions.notification.models import AudienceResolved, NoticeFacts
from tests.fakes import builders

AWARE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
REGULATORS = {
    "gdpr_art33": "lead SA",
    "dora": "BaFin",
    "nydfs_500_17": "NYDFS",
    "ftc_safeguards": "FTC",
    "sec_8k_1_05": "SEC",
    "nis2": "BSI",
    "sec_reg_sp": "SEC",
}


def firm(*regimes: str) -> FirmConfig:
    """Acme Wealth with every regulator in REGULATORS, or only those named."""
    return builders.firm(
        builders.store("acme", authorities={"gdpr_art33": "HBDI (Hesse)"}),
        firm_name="Acme Wealth",
        contact_point="DPO, dpo@acme.example",
        lei="5299000ACMEWEALTH078",
        regulators=[{"regime": r, "authority": a} for r, a in REGULATORS.items() if not regimes or r in regimes],
    )


def incident(categories: tuple[DataCategory, ...] = (DataCategory.IDENTITY,), places: tuple[str, ...] = ()) -> Incident:
    return builders.incident(
        incident_id="inc-20260302-drafts01",
        store_id="acme",
        rule_id="bulk-export",
        title="Bulk export by an unknown app",
        severity="critical",
        data_categories=categories,
        scope=AffectedScope(subject_ids=("store:all",), components=("storefront",)),
        jurisdictions=places,
        aware_at=AWARE,
        declared_at=AWARE + timedelta(minutes=5),
    )


def audience(counts: dict[str, int], required: bool = True) -> AudienceResolved:
    return AudienceResolved(
        incident_id="inc-20260302-drafts01",
        required=required,
        roster_bucket="b",
        manifest_key="m",
        batches=1,
        customers=sum(counts.values()),
        by_jurisdiction=counts,
        by_language={"en": sum(counts.values())},
        channels=("email",),
        email_rate_per_worker=1.0,
    )


def regimes(found: list[tuple[Regime, str]]) -> list[str]:
    return [f"{r.value}:{a}" if r is Regime.US_STATE_BREACH else r.value for r, a in found]


def test_firm_level_regimes_follow_the_authorisations_and_a_whole_store_export_counts_everyone() -> None:
    # A US-only breach at a BaFin-authorised firm: DORA still applies; GDPR does not (no EU resident)
    found = regimes(regulators.applicable(incident(), audience({"US-NY": 300, "US-NJ": 300}), firm()))
    assert found[:2] == ["dora", "nis2"] and "gdpr_art33" not in found
    assert {"nydfs_500_17", "sec_8k_1_05", "sec_reg_sp", "ftc_safeguards"} <= set(found)  # 600 consumers resolved
    few = regimes(regulators.applicable(incident(), audience({"US-NY": 12}), firm()))
    assert "ftc_safeguards" not in few


def test_state_drafts_only_for_covered_data_and_texas_only_from_250_residents() -> None:
    contact = regulators.applicable(incident((DataCategory.CONTACT,)), audience({"US-CA": 900, "US-TX": 900}), firm())
    assert not [r for r, _ in contact if r in (Regime.CALIFORNIA_1798_82, Regime.US_STATE_BREACH)]
    many = regimes(regulators.applicable(incident(), audience({"US-TX": 250, "US-VT": 1, "US-MA": 1}), firm()))
    assert {"us_state_breach:TX Attorney General", "us_state_breach:VT Attorney General"} <= set(many)
    assert "us_state_breach:MA Attorney General" in many
    few = regimes(regulators.applicable(incident(), audience({"US-TX": 249}), firm()))
    assert not [r for r in few if r.startswith("us_state_breach")]


def test_a_hungarian_incident_gets_a_gdpr_draft_to_the_stores_competent_authority() -> None:
    found = regulators.applicable(incident(places=("HU",)), audience({"HU": 40}), firm("gdpr_art33"))
    assert found == [(Regime.GDPR_ART33, "HBDI (Hesse)")]


def test_the_gdpr_draft_has_the_records_count_the_delay_and_no_notification_claimed_before_sending() -> None:
    made = regulators.draft(
        Regime.GDPR_ART33, "HBDI", incident(places=("DE",)), audience({"DE": 1200}), firm(), NoticeFacts(), AWARE
    )
    assert "Approximate number of personal data records concerned: 1200" in made.text
    assert "Reasons for the delay (Art. 33(1)): none at the time of drafting" in made.text
    assert "not yet sent at the time of this draft" in made.text
    assert "customers notified" not in made.text and "None verified at the time of this draft" in made.text
    late = regulators.draft(
        Regime.GDPR_ART33, "HBDI", incident(), audience({"DE": 1}), firm(), NoticeFacts(), AWARE + timedelta(hours=80)
    )
    assert "this notification is made after the 72 hours" in late.text and "[state the reasons]" in late.text
    assert made.deadline == AWARE + timedelta(hours=72)


@pytest.mark.parametrize(
    "regime",
    [
        Regime.NYDFS_500_17,
        Regime.FTC_SAFEGUARDS,
        Regime.SEC_REG_SP,
        Regime.SEC_8K_105,
        Regime.CALIFORNIA_1798_82,
        Regime.US_STATE_BREACH,
    ],
)
def test_us_drafts_never_cite_the_gdpr_or_its_risk_assessment(regime: Regime) -> None:
    authority = "TX Attorney General" if regime is Regime.US_STATE_BREACH else "authority"
    made = regulators.draft(regime, authority, incident(), audience({"US-TX": 300, "US-CA": 600}), firm())
    assert "GDPR" not in made.text and "Art. 34" not in made.text and "risk assessment" not in made.text
    assert "DRAFT" in made.text and "Not sent" in made.text


def test_the_dora_initial_draft_carries_the_fields_the_incident_holds_and_the_classification_deadline() -> None:
    classified = AWARE + timedelta(hours=30)  # classified late: 4 hours from classification
    facts = NoticeFacts(
        dora_major=True,
        classified_at=classified,
        measures=("shopify.revoke_storefront_token",),
        measures_on=classified.date(),
    )
    made = regulators.draft(
        Regime.DORA, "BaFin", incident(places=("DE",)), audience({"DE": 80, "FR": 20}), firm(), facts
    )
    assert made.deadline == classified + timedelta(hours=4)
    for field in (
        "LEI: 5299000ACMEWEALTH078",
        f"Date and time of detection: {AWARE.isoformat()}",
        f"Date and time of classification as major: {classified.isoformat()}",
        "Clients affected: 100",
        "Member states affected: DE, FR",
        "Affected components: storefront",
        "Applied and verified: shopify.revoke_storefront_token",
        "Delegated Regulation (EU) 2025/301 Art. 5(1)(a)",
    ):
        assert field in made.text
    unclassified = regulators.draft(Regime.DORA, "BaFin", incident(), audience({"DE": 1}), firm())
    assert unclassified.deadline is None and "starts at the classification a person records" in unclassified.text
