"""Customer notices: every language carries every GDPR Art. 34 element, branding and no injection."""

import html
from datetime import date

import pytest

from functions.common.errors import ConfigurationError
from functions.notification import notices
from functions.notification.models import NoticeContext

ELEMENT_HEADINGS = {
    "en": ("What happened", "Who to contact", "What this could mean for you", "What we have done", "What you can do"),
    "de": (
        "Was ist passiert",
        "Ihr Ansprechpartner",
        "Was das für Sie bedeuten kann",
        "Was wir unternommen haben",
        "Was Sie tun können",
    ),
    "fr": (
        "Ce qui s'est passé",
        "Qui contacter",
        "Les conséquences possibles pour vous",
        "Les mesures que nous avons prises",
        "Ce que vous pouvez faire",
    ),
    "es": (
        "Qué ha ocurrido",
        "A quién dirigirse",
        "Qué puede significar para usted",
        "Qué hemos hecho",
        "Qué puede hacer usted",
    ),
}


def context(language: str, **changes: object) -> NoticeContext:
    values: dict[str, object] = {
        "language": language,
        "brand_name": "Acme Wealth",
        "accent_color": "#123456",
        "logo_url": "https://cdn.acme.example/logo.png",
        "help_url": "https://acme.example/security",
        "contact_point": "Data Protection Officer, dpo@acme.example",
        "incident_reference": "inc-2026-11-27-0001",
        "aware_on": notices.local_date(date(2026, 11, 27), language),
        "data_categories": ("contact", "credentials"),
    }
    return NoticeContext.model_validate(values | changes)


@pytest.mark.parametrize("language", notices.LANGUAGES)
def test_every_language_carries_every_art34_element_and_the_branding(language: str) -> None:
    notice = notices.render(context(language))

    for heading in ELEMENT_HEADINGS[language]:  # nature, contact point, consequences, measures, what to do
        assert heading.upper() in notice.text and html.escape(heading) in notice.html
    assert "dpo@acme.example" in notice.text  # the DPO / contact point by name
    assert "inc-2026-11-27-0001" in notice.text
    template = notices.template(language)
    for category in ("contact", "credentials"):  # what was involved, what it means, what to do about it
        assert template["categories"][category] in notice.text
        assert template["consequences"][category] in notice.text
        assert template["advice"][category] in notice.text
    assert "Acme Wealth" in notice.subject
    assert "#123456" in notice.html and "https://cdn.acme.example/logo.png" in notice.html
    assert notice.text.count(notices.RECIPIENT_PLACEHOLDER) == 1  # the only per-recipient field
    assert "{{" not in notice.sms and len(notice.sms) <= notices.SMS_MAX_CHARS
    assert "https://acme.example/security" in notice.sms


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
