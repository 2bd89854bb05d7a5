"""Customer notices: one template per legal regime, in each of the firm's languages.

A language file (`templates/<lang>.json`) holds the shared text (data categories, consequences,
advice, the measures and modes Bulkhead can take, US guidance, SMS) and one block per regime
(`regimes.gdpr`, `uk_gdpr`, `us`, `california`, `massachusetts`) whose sections carry the elements
that regime's law requires. Factual sentences about the response ("we revoked", "we restricted",
"we notified the authority") are built from `NoticeFacts`, which come from the incident's ledger at
sending time: what is not recorded is not said.

Rendering leaves exactly one per-recipient placeholder, `{{greeting}}`, which SES fills from each
destination's replacement data. The same rendering feeds `bulkhead notice preview`.
"""

import html
import json
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from functions.common.config import LANGUAGES
from functions.common.errors import ConfigurationError
from functions.notification.models import NoticeContext, NoticeFacts, NoticeRegime, RenderedNotice

__all__ = ["LANGUAGES", "greeting", "local_date", "measures", "personalise", "render", "sms_text", "template"]

TEMPLATES = Path(__file__).parent / "templates"
CATEGORIES = ("contact", "identity", "financial_account", "credentials")
# GDPR Art. 34(2) with Art. 33(3)(b)-(d); UK GDPR the same.
ART34_ELEMENTS = ("nature", "contact", "consequences", "measures", "what_to_do")
# What each regime's notice must carry (section elements, and placeholders its text must use).
REGIME_ELEMENTS: dict[NoticeRegime, tuple[str, ...]] = {
    NoticeRegime.GDPR: ART34_ELEMENTS,
    NoticeRegime.UK_GDPR: ART34_ELEMENTS,
    # 17 CFR 248.30(a)(4)(iv): the incident in general terms, the information involved, the date or
    # range, contact (phone, postal address), and what to do (statements, fraud alert, credit report, FTC).
    NoticeRegime.US: ("nature", "information", "measures", "what_to_do", "contact"),
    # Cal. Civ. Code 1798.82(d)(1): the title and these five headings, in this order.
    NoticeRegime.CALIFORNIA: (
        "what_happened",
        "information",
        "what_we_are_doing",
        "what_you_can_do",
        "more_information",
    ),
    # M.G.L. c. 93H s. 3(b): police report, security freeze; never the nature or the number of residents.
    NoticeRegime.MASSACHUSETTS: ("measures", "what_to_do", "contact"),
}
_US_GUIDANCE = ("{{statements}}", "{{fraud_alert}}", "{{credit_report}}", "{{ftc}}", "{{phone_and_address}}")
REQUIRED_PLACEHOLDERS: dict[NoticeRegime, tuple[str, ...]] = {
    NoticeRegime.GDPR: ("{{data_categories}}", "{{consequences}}", "{{measures}}", "{{advice}}", "{{contact_point}}"),
    NoticeRegime.UK_GDPR: (
        "{{data_categories}}",
        "{{consequences}}",
        "{{measures}}",
        "{{advice}}",
        "{{contact_point}}",
    ),
    NoticeRegime.US: ("{{incident_period}}", "{{data_categories}}", "{{measures}}", *_US_GUIDANCE),
    NoticeRegime.CALIFORNIA: ("{{incident_period}}", "{{data_categories}}", "{{notice_on}}", *_US_GUIDANCE),
    NoticeRegime.MASSACHUSETTS: ("{{police_report}}", "{{security_freeze}}", *_US_GUIDANCE),
}
# Massachusetts forbids stating the nature of the breach or the number of residents affected.
FORBIDDEN_PLACEHOLDERS: dict[NoticeRegime, tuple[str, ...]] = {
    NoticeRegime.MASSACHUSETTS: ("{{data_categories}}", "{{consequences}}", "{{advice}}", "{{incident_period}}"),
}
RECIPIENT_PLACEHOLDER = "{{greeting}}"
SMS_MAX_CHARS = 300  # two concatenated GSM-7 parts plus margin; notices stay short and factual
_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")


@cache
def template(language: str) -> dict[str, Any]:
    """One language's templates, checked for every regime, element and category they must carry."""
    if language not in LANGUAGES:
        raise ConfigurationError(f"no notice template for language {language!r} (have {', '.join(LANGUAGES)})")
    data: dict[str, Any] = json.loads((TEMPLATES / f"{language}.json").read_text(encoding="utf-8"))
    missing = [f"{part}.{c}" for part in ("categories", "consequences", "advice") for c in CATEGORIES]
    missing = [m for m in missing if m.split(".")[1] not in data.get(m.split(".")[0], {})]
    missing += [f"sms.advice.{c}" for c in CATEGORIES if c not in data.get("sms", {}).get("advice", {})]
    for regime, elements in REGIME_ELEMENTS.items():
        block = data.get("regimes", {}).get(regime.value)
        if block is None:
            missing.append(f"regimes.{regime.value}")
            continue
        have = [s["element"] for s in block["sections"]]
        missing += [f"regimes.{regime.value}.{e}" for e in elements if e not in have]
        text = json.dumps(block, ensure_ascii=False)
        missing += [f"regimes.{regime.value} uses {p}" for p in REQUIRED_PLACEHOLDERS[regime] if p not in text]
        missing += [
            f"regimes.{regime.value} must not use {p}" for p in FORBIDDEN_PLACEHOLDERS.get(regime, ()) if p in text
        ]
    if missing:
        raise ConfigurationError(f"template {language}.json lacks {', '.join(missing)}")
    return data


def local_date(day: date, language: str) -> str:
    months = template(language)["months"]
    pattern = str(template(language)["date_format"]).replace("%B", months[day.month - 1])
    return day.strftime(pattern)


def measures(facts: NoticeFacts, language: str, regime: NoticeRegime = NoticeRegime.GDPR) -> list[str]:
    """The response's recorded facts as sentences; a fact not recorded yields no sentence."""
    t = template(language)
    said = t["facts"]
    sentences: list[str] = []
    if facts.dora_major:
        sentences.append(said["dora"])
    if facts.measures and facts.measures_on:
        on = local_date(facts.measures_on, language)
        if regime is NoticeRegime.MASSACHUSETTS:  # what was contained would tell the nature of the breach
            sentences.append(_fill(said["measures_general"], {"measures_on": on}))
        else:
            named = "; ".join(t["measures"][m] for m in facts.measures if m in t["measures"])
            sentences.append(_fill(said["measures"], {"measures_on": on, "measures": named}))
    if facts.modes:
        limited = ", ".join(t["modes"][m] for m in facts.modes if m in t["modes"])
        sentences.append(_fill(said["modes"], {"modes": limited}))
    if facts.informed and facts.informed_on:
        on = local_date(facts.informed_on, language)
        sentences.append(_fill(said["informed"], {"authorities": ", ".join(facts.informed), "informed_on": on}))
    if not (facts.measures or facts.modes):
        sentences.append(said["pending"])
    sentences.append(said["log"])
    return sentences


def render(context: NoticeContext) -> RenderedNotice:
    """Subject, plain text, HTML and SMS text for one incident, regime and language."""
    t = template(context.language)
    block = t["regimes"][context.regime.value]
    us = t["us"]
    categories = context.data_categories or ("contact",)
    contact = [_fill(us["phone"], {"contact_phone": context.contact_phone})] if context.contact_phone else []
    contact += [_fill(us["postal"], {"postal_address": context.postal_address})] if context.postal_address else []
    authority = context.complaint_authority
    values = {
        "brand_name": context.brand_name,
        "contact_point": context.contact_point,
        "incident_reference": context.incident_reference,
        "aware_on": context.aware_on,
        "notice_on": context.notice_on or context.aware_on,
        "help_url": context.help_url or "",
        "data_categories": "; ".join(t["categories"][c] for c in categories),
        "consequences": " ".join(t["consequences"][c] for c in categories),
        "advice": " ".join(t["advice"][c] for c in categories),
        "never_ask": t["never_ask"],
        "measures": " ".join(measures(context.facts, context.language, context.regime)),
        "incident_period": _fill(us["period"], {"aware_on": context.aware_on}),
        "phone_and_address": " ".join(contact),
        "complaint_authority": _fill(block.get("complaint_authority", ""), {"authority": authority})
        if authority
        else "",
        **{
            key: us[key]
            for key in ("statements", "fraud_alert", "credit_report", "ftc", "police_report", "security_freeze")
        },
    }
    title = [block["title"]] if "title" in block else []
    paragraphs: list[tuple[str | None, str]] = [(None, _fill(block["intro"], values))]
    paragraphs += [(s["heading"], _sentence(_fill(s["body"], values))) for s in block["sections"]]
    closing = [_fill(block["closing"], values)]
    if context.help_url:
        closing.append(_fill(t["help_line"], values))
    banner = [t["drill_banner"]] if context.drill else []
    subject = _fill(block["subject"], values)
    sms = sms_text(context)
    return RenderedNotice(
        language=context.language,
        subject=f"[{t['drill_tag']}] {subject}" if context.drill else subject,
        text=_text(banner, title, paragraphs, closing),
        html=_html(context, banner, title, paragraphs, closing),
        sms=sms,
    )


def sms_text(context: NoticeContext) -> str:
    """A notice that stands alone: what happened, what to do, where to read more. It never refers to
    another message (an SMS may be all a customer with only a phone number receives)."""
    t = template(context.language)
    sms = t["sms"]
    if context.regime is NoticeRegime.MASSACHUSETTS:
        advice = [sms["general"]]  # advice per category would tell the nature of the breach
    else:
        advice = list(dict.fromkeys(sms["advice"][c] for c in context.data_categories or ("contact",)))
    more = context.help_url or context.contact_point
    prefix = f"{t['drill_tag']}: " if context.drill else ""
    while True:
        values = {
            "brand_name": context.brand_name,
            "incident_reference": context.incident_reference,
            "advice": " ".join(advice),
            "more": more,
        }
        text = prefix + _squash(_fill(sms["text"], values))
        if len(text) <= SMS_MAX_CHARS or len(advice) <= 1:
            return text[:SMS_MAX_CHARS]
        advice.pop()  # shorten the advice, never the link


def greeting(language: str, first_name: str | None) -> str:
    """The per-recipient line; a name is used only as the platform holds it."""
    t = template(language)
    name = _clean(first_name or "").strip()
    return _fill(t["greeting_named"], {"first_name": name}) if name else str(t["greeting"])


def personalise(notice_part: str, greeting_line: str) -> str:
    """What SES does with the replacement data; used by previews and the local sink."""
    return notice_part.replace(RECIPIENT_PLACEHOLDER, greeting_line)


def _fill(text: str, values: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(1))
        return _clean(str(found)) if found is not None else match.group(0)

    return _PLACEHOLDER.sub(value, text)


def _squash(text: str) -> str:
    """One space between sentences where an optional part rendered empty."""
    return re.sub(r"\s{2,}", " ", text).strip()


def _sentence(text: str) -> str:
    """A section that opens with a list (the data categories) still opens with a capital."""
    squashed = _squash(text)
    return squashed[:1].upper() + squashed[1:]


def _clean(value: str) -> str:
    """Configured and platform text must not open placeholders of its own (template injection)."""
    return value.replace("{", "").replace("}", "")


def _text(banner: list[str], title: list[str], paragraphs: list[tuple[str | None, str]], closing: list[str]) -> str:
    lines = [*banner, *[t.upper() for t in title], RECIPIENT_PLACEHOLDER, ""]
    for heading, body in paragraphs:
        if heading:
            lines.append(heading.upper())
        lines += [body, ""]
    return "\n".join([*lines, *closing]).strip() + "\n"


def _html(
    context: NoticeContext,
    banner: list[str],
    title: list[str],
    paragraphs: list[tuple[str | None, str]],
    closing: list[str],
) -> str:
    e = html.escape
    color = e(context.accent_color)
    # California: title and headings conspicuous, text no smaller than 10-point (1798.82(d)(1)).
    parts = [
        '<!doctype html><html><body style="font-family:Arial,sans-serif;font-size:11pt;color:#222;max-width:640px">'
    ]
    if context.logo_url:
        parts.append(f'<img src="{e(context.logo_url)}" alt="{e(context.brand_name)}" style="max-height:48px">')
    parts.append(f'<div style="border-top:4px solid {color};margin:12px 0"></div>')
    parts += [f'<p style="background:#fde68a;padding:8px"><strong>{e(b)}</strong></p>' for b in banner]
    parts += [f'<h2 style="color:{color}">{e(t)}</h2>' for t in title]
    parts.append(f"<p>{RECIPIENT_PLACEHOLDER}</p>")
    for heading, body in paragraphs:
        if heading:
            parts.append(f'<h3 style="color:{color}">{e(heading)}</h3>')
        parts.append(f"<p>{e(body)}</p>")
    parts += [f"<p>{e(line)}</p>" for line in closing]
    parts.append("</body></html>")
    return "".join(parts)
