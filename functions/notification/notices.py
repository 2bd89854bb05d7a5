"""Customer notices: templates per language, rendered with the GDPR Art. 34 elements and branding.

A template (`templates/<lang>.json`) holds plain-language text with `{{placeholders}}`. Rendering
fills the incident-level facts (nature, consequences, measures, advice, contact point, branding)
and leaves exactly one per-recipient placeholder, `{{greeting}}`, which SES fills from each
destination's replacement data. The same rendering feeds `bulkhead notice preview`, so what an
operator previews is what SES sends.
"""

import html
import json
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from functions.common.errors import ConfigurationError
from functions.notification.models import NoticeContext, RenderedNotice

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("en", "de", "fr", "es")
# What GDPR Art. 34(2) (with Art. 33(3)(b)-(d)) requires a notice to the data subject to contain.
ART34_ELEMENTS = ("nature", "contact", "consequences", "measures", "what_to_do")
CATEGORIES = ("contact", "identity", "financial_account", "credentials")
RECIPIENT_PLACEHOLDER = "{{greeting}}"
SMS_MAX_CHARS = 300  # two concatenated GSM-7 parts plus margin; notices stay short and factual
_PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")


@cache
def template(language: str) -> dict[str, Any]:
    """One language's template, checked for every element and category it must carry."""
    if language not in LANGUAGES:
        raise ConfigurationError(f"no notice template for language {language!r} (have {', '.join(LANGUAGES)})")
    data: dict[str, Any] = json.loads((TEMPLATES / f"{language}.json").read_text(encoding="utf-8"))
    missing = [e for e in ART34_ELEMENTS if e not in data.get("sections", {})]
    missing += [f"categories.{c}" for c in CATEGORIES if c not in data.get("categories", {})]
    missing += [f"consequences.{c}" for c in CATEGORIES if c not in data.get("consequences", {})]
    missing += [f"advice.{c}" for c in CATEGORIES if c not in data.get("advice", {})]
    if missing:
        raise ConfigurationError(f"template {language}.json lacks {', '.join(missing)}")
    return data


def local_date(day: date, language: str) -> str:
    months = template(language)["months"]
    pattern = str(template(language)["date_format"]).replace("%B", months[day.month - 1])
    return day.strftime(pattern)


def render(context: NoticeContext) -> RenderedNotice:
    """Subject, plain text, HTML and SMS text for one incident in one language."""
    t = template(context.language)
    categories = context.data_categories or ("contact",)
    values = {
        "brand_name": context.brand_name,
        "contact_point": context.contact_point,
        "incident_reference": context.incident_reference,
        "aware_on": context.aware_on,
        "help_url": context.help_url or "",
        "data_categories": "; ".join(t["categories"][c] for c in categories),
        "consequences": " ".join(t["consequences"][c] for c in categories),
        "advice": " ".join(t["advice"][c] for c in categories),
    }
    paragraphs: list[tuple[str | None, str]] = [(None, _fill(t["intro"], values))]
    paragraphs += [(s["heading"], _fill(s["body"], values)) for s in (t["sections"][e] for e in ART34_ELEMENTS)]
    closing = [_fill(t["closing"], values)]
    if context.help_url:
        closing.append(_fill(t["help_line"], values))
    banner = [t["drill_banner"]] if context.drill else []
    subject = _fill(t["subject"], values)
    sms = _fill(t["sms"], values).strip()
    return RenderedNotice(
        language=context.language,
        subject=f"[{t['drill_banner'].split(' ')[0]}] {subject}" if context.drill else subject,
        text=_text(banner, paragraphs, closing),
        html=_html(context, banner, paragraphs, closing),
        sms=(f"{t['drill_banner'].split(' ')[0]}: {sms}" if context.drill else sms)[:SMS_MAX_CHARS],
    )


def greeting(language: str, first_name: str | None) -> str:
    """The per-recipient line; a name is used only as the platform holds it."""
    t = template(language)
    name = _clean(first_name or "").strip()
    return _fill(t["greeting_named"], {"first_name": name}) if name else str(t["greeting"])


def personalise(notice_part: str, greeting_line: str) -> str:
    """What SES does with the replacement data; used by previews and the local sink."""
    return notice_part.replace(RECIPIENT_PLACEHOLDER, greeting_line)


def _fill(text: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        return _clean(values[match.group(1)]) if match.group(1) in values else match.group(0)

    return _PLACEHOLDER.sub(value, text)


def _clean(value: str) -> str:
    """Configured and platform text must not open placeholders of its own (template injection)."""
    return value.replace("{", "").replace("}", "")


def _text(banner: list[str], paragraphs: list[tuple[str | None, str]], closing: list[str]) -> str:
    lines = [*banner, RECIPIENT_PLACEHOLDER, ""]
    for heading, body in paragraphs:
        if heading:
            lines.append(heading.upper())
        lines += [body, ""]
    return "\n".join([*lines, *closing]).strip() + "\n"


def _html(
    context: NoticeContext, banner: list[str], paragraphs: list[tuple[str | None, str]], closing: list[str]
) -> str:
    e = html.escape
    color = e(context.accent_color)
    parts = ['<!doctype html><html><body style="font-family:Arial,sans-serif;color:#222;max-width:640px">']
    if context.logo_url:
        parts.append(f'<img src="{e(context.logo_url)}" alt="{e(context.brand_name)}" style="max-height:48px">')
    parts.append(f'<div style="border-top:4px solid {color};margin:12px 0"></div>')
    parts += [f'<p style="background:#fde68a;padding:8px"><strong>{e(b)}</strong></p>' for b in banner]
    parts.append(f"<p>{RECIPIENT_PLACEHOLDER}</p>")
    for heading, body in paragraphs:
        if heading:
            parts.append(f'<h3 style="color:{color}">{e(heading)}</h3>')
        parts.append(f"<p>{e(body)}</p>")
    parts += [f"<p>{e(line)}</p>" for line in closing]
    parts.append("</body></html>")
    return "".join(parts)
