"""Customer notices: one per legal regime in every language, stating only what the ledger records.

Given an incident's ledger (what containment verified, which modes are in force, which filings are
recorded), When every notice is rendered for every regime and language, Then each carries its
regime's required elements and says nothing the ledger does not show.
"""

import html
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from functions.common.config import LANGUAGES
from functions.common.errors import ConfigurationError
from functions.ledger.models import EntryDraft, EntryType
from functions.notification import notices
from functions.notification.facts import notice_facts
from functions.notification.models import NoticeContext, NoticeFacts, NoticeRegime
from tests.fakes.ledger import MemoryLedger

INCIDENT = "inc-2026-11-27-0001"
AWARE = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
NOW = AWARE + timedelta(hours=6)
AUTHORITY = "Der Hessische Beauftragte für Datenschutz und Informationsfreiheit"
REGIMES = tuple(NoticeRegime)
# Words a notice uses only when it says the response did something (checked sentence by sentence).
CLAIMS = {
    "en": ("revoked", "restricted", "limited", "notified", "informed", "contained", "confirmed", "blocked", "locked"),
    "de": ("widerrufen", "eingeschränkt", "benachrichtigt", "informiert haben", "eingedämmt", "gesperrt", "überprüft"),
    "fr": ("révoqué", "limitées", "notifié", "informé", "contenu l'incident", "vérifiées", "bloquées", "verrouillé"),
    "es": ("revocado", "limitadas", "notificamos", "informado", "contuvimos", "comprobado", "bloqueadas"),
}


def context(language: str, regime: NoticeRegime = NoticeRegime.GDPR, **changes: object) -> NoticeContext:
    values: dict[str, object] = {
        "language": language,
        "regime": regime,
        "brand_name": "Acme Wealth",
        "accent_color": "#123456",
        "logo_url": "https://cdn.acme.example/logo.png",
        "help_url": "https://acme.example/security",
        "contact_point": "Data Protection Officer, dpo@acme.example",
        "contact_phone": "+1 800 555 0100",
        "postal_address": "Acme Wealth, 1 Main Street, New York, NY 10001",
        "incident_reference": INCIDENT,
        "aware_on": notices.local_date(AWARE.date(), language),
        "notice_on": notices.local_date(NOW.date(), language),
        "data_categories": ("contact", "identity", "credentials"),
    }
    return NoticeContext.model_validate(values | changes)


def record(ledger: MemoryLedger, entry_type: EntryType, at: datetime = NOW, **data: Any) -> None:
    ledger.append(INCIDENT, EntryDraft(type=entry_type, actor="test", at=at, data=data))


def failed_and_unfiled() -> MemoryLedger:
    """Containment planned and failed, modes not applied, clocks started, drafts made, nothing filed."""
    ledger = MemoryLedger()
    record(ledger, EntryType.ACTION_PLANNED, action_id="act-1", kind="shopify.revoke_storefront_token")
    record(ledger, EntryType.ACTION_FAILED, action_id="act-1", kind="shopify.revoke_storefront_token")
    record(ledger, EntryType.ACTION_MANUAL_TASK, action_id="act-2", kind="shopify.revoke_app_access")
    record(ledger, EntryType.APPROVAL_REQUESTED, stage="on-call")
    record(
        ledger,
        EntryType.DEGRADATION_SET,
        store_id="acme-eu",
        segment="*",
        modes=["account_read_only"],
        applied=False,
        expires_at=(NOW + timedelta(hours=4)).isoformat(),
    )
    record(ledger, EntryType.CLOCK_STARTED, clock="gdpr_art33", authority=AUTHORITY)
    record(ledger, EntryType.CLOCK_STARTED, clock="dora/initial", authority="BaFin")
    record(ledger, EntryType.REGULATOR_NOTICE_DRAFTED, regime="gdpr_art33", authority=AUTHORITY, sent=False)
    return ledger


def contained_and_filed() -> MemoryLedger:
    ledger = MemoryLedger()
    record(ledger, EntryType.ACTION_APPLIED, action_id="act-1", kind="shopify.revoke_storefront_token")
    record(ledger, EntryType.ACTION_VERIFIED, action_id="act-1", kind="shopify.revoke_storefront_token")
    record(
        ledger,
        EntryType.DEGRADATION_SET,
        store_id="acme-eu",
        segment="*",
        modes=["account_read_only"],
        applied=True,
        expires_at=(NOW + timedelta(hours=4)).isoformat(),
        projection="metafield",
    )
    record(ledger, EntryType.CLOCK_STARTED, clock="gdpr_art33", authority=AUTHORITY)
    filed = (NOW + timedelta(hours=1)).isoformat()
    record(ledger, EntryType.CLOCK_MET, clock="gdpr_art33", reference="HBDI-1", filed_at=filed, late=False)
    return ledger


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?:])\s+|\n", text) if s.strip()]


# --- the done-when: nothing claimed that the ledger does not show --------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("regime", REGIMES)
def test_no_notice_claims_containment_or_a_filing_the_ledger_does_not_record(
    regime: NoticeRegime, language: str
) -> None:
    facts = notice_facts(failed_and_unfiled().entries[INCIDENT], NOW)
    assert facts == NoticeFacts()  # a failed action, a manual task, an unapplied mode, a draft: no facts

    notice = notices.render(context(language, regime, facts=facts))

    t = notices.template(language)
    for part in (notice.text, notice.sms, html.unescape(notice.html)):
        assert AUTHORITY not in part and "BaFin" not in part
        for phrase in t["measures"].values():
            assert phrase not in part
        for claim in CLAIMS[language]:
            said = [s for s in sentences(part) if claim in s]
            assert not said, f"{regime}/{language} claims {claim!r}: {said}"
    assert t["facts"]["pending"] in notice.text  # says it is investigating, and no more


@pytest.mark.parametrize("language", LANGUAGES)
def test_recorded_measures_modes_and_filings_are_stated_with_their_dates(language: str) -> None:
    facts = notice_facts(contained_and_filed().entries[INCIDENT], NOW)
    assert facts.measures == ("shopify.revoke_storefront_token",) and facts.modes == ("account_read_only",)
    assert facts.informed == (AUTHORITY,) and facts.informed_on == date(2026, 11, 27)

    notice = notices.render(context(language, facts=facts))

    t = notices.template(language)
    assert t["measures"]["shopify.revoke_storefront_token"] in notice.text
    assert t["modes"]["account_read_only"] in notice.text
    assert AUTHORITY in notice.text and notices.local_date(date(2026, 11, 27), language) in notice.text
    assert t["facts"]["pending"] not in notice.text


def test_a_reverted_action_an_expired_mode_and_a_customer_notice_filing_are_not_claimed() -> None:
    ledger = contained_and_filed()
    record(ledger, EntryType.ACTION_REVERTED, action_id="act-1")
    record(ledger, EntryType.CLOCK_STARTED, clock="gdpr_art34", authority="data subjects")
    record(ledger, EntryType.CLOCK_MET, clock="gdpr_art34", reference="sent", filed_at=NOW.isoformat())
    later = NOW + timedelta(hours=5)  # past the mode's expiry

    facts = notice_facts(ledger.entries[INCIDENT], later)

    assert (facts.measures, facts.modes) == ((), ())
    assert facts.informed == (AUTHORITY,)  # the Art. 33 filing only: Art. 34 goes to customers


def test_a_withdrawn_filing_informed_no_one_until_filed_again() -> None:
    # Given the Art. 33 filing was recorded, When it is withdrawn as recorded in error
    ledger = contained_and_filed()
    record(ledger, EntryType.CLOCK_WITHDRAWN, clock="gdpr_art33", reference="HBDI-1", reason="wrong authority")
    # Then a notice no longer says the authority was informed
    assert notice_facts(ledger.entries[INCIDENT], NOW).informed == ()
    # ...until it is filed again
    record(ledger, EntryType.CLOCK_MET, clock="gdpr_art33", reference="HBDI-2", filed_at=NOW.isoformat())
    assert notice_facts(ledger.entries[INCIDENT], NOW).informed == (AUTHORITY,)


def test_a_cleared_mode_is_no_longer_in_force() -> None:
    ledger = contained_and_filed()
    record(ledger, EntryType.DEGRADATION_CLEARED, store_id="acme-eu", segment="*")
    assert notice_facts(ledger.entries[INCIDENT], NOW).modes == ()


def test_a_dora_major_classification_adds_the_article_19_3_client_notice() -> None:
    ledger = failed_and_unfiled()
    record(ledger, EntryType.INCIDENT_CLASSIFIED, regime="dora", major=True, classified_at=NOW.isoformat())
    facts = notice_facts(ledger.entries[INCIDENT], NOW)
    for language in LANGUAGES:
        notice = notices.render(context(language, facts=facts))
        assert notices.template(language)["facts"]["dora"] in notice.text
        assert "19" in notices.template(language)["facts"]["dora"]


# --- SMS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("regime", REGIMES)
def test_an_sms_stands_alone_and_never_mentions_an_email(regime: NoticeRegime, language: str) -> None:
    sms = notices.render(context(language, regime)).sms

    assert INCIDENT in sms and "https://acme.example/security" in sms  # what, and where to read more
    assert not re.search(r"e-?mail|courriel|correo", sms, flags=re.IGNORECASE)
    assert len(sms) <= notices.SMS_MAX_CHARS and "{{" not in sms
    advice = notices.template(language)["sms"]
    assert any(a in sms for a in (advice["general"], *advice["advice"].values()))  # what to do


def test_an_sms_without_a_help_page_points_to_the_contact_point() -> None:
    sms = notices.render(context("en", help_url=None)).sms
    assert sms.endswith("Data Protection Officer, dpo@acme.example")


# --- each regime's required content -------------------------------------------------------------


ELEMENT_HEADINGS = {
    "en": ("What happened", "Who to contact", "What this could mean for you", "What we have done", "What you can do"),
    "de": ("Was ist passiert", "Ihr Ansprechpartner", "Was das für Sie bedeuten kann", "Was wir unternommen haben"),
    "fr": ("Ce qui s'est passé", "Qui contacter", "Les conséquences possibles pour vous", "Ce que vous pouvez faire"),
    "es": ("Qué ha ocurrido", "A quién dirigirse", "Qué puede significar para usted", "Qué hemos hecho"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_gdpr_notices_carry_every_art34_element_and_the_branding(language: str) -> None:
    notice = notices.render(context(language, complaint_authority=AUTHORITY))

    for heading in ELEMENT_HEADINGS[language]:
        assert heading.upper() in notice.text and html.escape(heading) in notice.html
    assert "dpo@acme.example" in notice.text and INCIDENT in notice.text
    assert AUTHORITY in notice.text  # the competent supervisory authority for complaints
    assert "34" in notice.text and "UK GDPR" not in notice.text
    template = notices.template(language)
    for category in ("contact", "credentials"):
        assert template["categories"][category] in notice.text
        assert template["consequences"][category] in notice.text
        assert template["advice"][category] in notice.text
    assert "Acme Wealth" in notice.subject
    assert "#123456" in notice.html and "https://cdn.acme.example/logo.png" in notice.html
    assert notice.text.count(notices.RECIPIENT_PLACEHOLDER) == 1


@pytest.mark.parametrize("language", LANGUAGES)
def test_uk_notices_cite_uk_gdpr_and_the_ico(language: str) -> None:
    notice = notices.render(context(language, NoticeRegime.UK_GDPR))
    assert "UK GDPR" in notice.text and "ico.org.uk" in notice.text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("regime", [NoticeRegime.US, NoticeRegime.CALIFORNIA, NoticeRegime.MASSACHUSETTS])
def test_us_notices_carry_reg_s_p_content_and_never_cite_the_gdpr(regime: NoticeRegime, language: str) -> None:
    notice = notices.render(context(language, regime))

    us = notices.template(language)["us"]
    for element in ("statements", "fraud_alert", "credit_report", "ftc"):
        assert us[element] in notice.text
    assert "+1 800 555 0100" in notice.text and "1 Main Street, New York" in notice.text  # phone, postal
    assert "www.identitytheft.gov" in notice.text and "annualcreditreport.com" in notice.text
    assert not re.search(r"GDPR|RGPD|DSGVO|Article 34|Artikel 34|artículo 34", notice.text)
    if regime is not NoticeRegime.MASSACHUSETTS:
        assert notices.local_date(AWARE.date(), language) in notice.text  # the incident's date


def test_california_has_the_title_and_the_five_headings_in_order() -> None:
    notice = notices.render(context("en", NoticeRegime.CALIFORNIA))
    headings = ["What Happened?", "What Information Was Involved?", "What We Are Doing.", "What You Can Do."]
    headings.append("For More Information.")
    assert notice.subject.startswith("Notice of Data Breach")
    assert notice.text.split("\n")[0] == "NOTICE OF DATA BREACH"
    positions = [notice.text.index(h.upper()) for h in headings]
    assert positions == sorted(positions)
    assert "This notice is dated 27 November 2026" in notice.text
    assert "font-size:11pt" in notice.html  # no smaller than 10-point


@pytest.mark.parametrize("language", LANGUAGES)
def test_massachusetts_never_states_the_nature_or_a_count_and_offers_police_report_and_freeze(language: str) -> None:
    facts = notice_facts(contained_and_filed().entries[INCIDENT], NOW)
    notice = notices.render(context(language, NoticeRegime.MASSACHUSETTS, facts=facts))

    t = notices.template(language)
    for category in ("contact", "identity", "credentials"):
        assert t["categories"][category] not in notice.text and t["consequences"][category] not in notice.text
    for phrase in t["measures"].values():
        assert phrase not in notice.text  # what was contained would tell what happened
    assert t["us"]["police_report"] in notice.text and t["us"]["security_freeze"] in notice.text
    assert not re.search(r"\b\d+ (residents|customers|Kunden|clients|clientes)\b", notice.text)
    assert t["sms"]["general"] in notice.sms


@pytest.mark.parametrize("language", LANGUAGES)
def test_identity_advice_is_complete_in_every_language(language: str) -> None:
    advice = notices.template(language)["advice"]["identity"]
    assert re.search(r"fraud alert|Betrugshinweis|alerte à la fraude|alerta de fraude", advice)


def test_a_template_without_a_regime_element_is_refused_at_load(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    data = json.loads((notices.TEMPLATES / "en.json").read_text(encoding="utf-8"))
    data["regimes"]["massachusetts"]["sections"][1]["body"] += " {{data_categories}}"
    del data["regimes"]["california"]["sections"][0]
    (tmp_path / "en.json").write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(notices, "TEMPLATES", tmp_path)
    notices.template.cache_clear()
    try:
        with pytest.raises(ConfigurationError) as refused:
            notices.template("en")
        assert "regimes.california.what_happened" in str(refused.value)
        assert "massachusetts must not use {{data_categories}}" in str(refused.value)
    finally:
        notices.template.cache_clear()


# --- kept from before ---------------------------------------------------------------------------


def test_dates_are_written_in_the_notice_language() -> None:
    assert notices.local_date(date(2026, 3, 5), "de") == "05. März 2026"
    assert notices.local_date(date(2026, 3, 5), "es") == "05 de marzo de 2026"


def test_a_drill_notice_says_so_in_subject_body_and_sms() -> None:
    notice = notices.render(context("fr", drill=True))
    assert notice.subject.startswith("[EXERCICE]")
    assert "EXERCICE" in notice.text and notice.sms.startswith("EXERCICE")


def test_configured_text_cannot_inject_placeholders_or_markup() -> None:
    notice = notices.render(context("en", brand_name="<script>x</script>{{greeting}}"))
    assert "<script>" not in notice.html
    assert notice.text.count("{{greeting}}") == 1  # the brand's braces were stripped


def test_the_greeting_uses_a_name_only_when_the_platform_has_one() -> None:
    assert notices.greeting("de", "Anna") == "Guten Tag Anna,"
    assert notices.greeting("de", None) == "Sehr geehrte Kundin, sehr geehrter Kunde,"
    assert notices.personalise("{{greeting}} x", "Hi,") == "Hi, x"


def test_an_unknown_language_is_refused_by_name() -> None:
    with pytest.raises(ConfigurationError, match="no notice template for language 'it'"):
        notices.template("it")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_section_opening_with_the_data_categories_opens_with_a_capital(language: str) -> None:
    text = notices.render(context(language, NoticeRegime.US)).text
    first = notices.template(language)["categories"]["contact"]
    assert (first[0].upper() + first[1:]) in text
