"""What GDPR Art. 33 asks a firm to keep beside its filings, recorded by people. Pure.

- When the DPO was told (`dpo.informed`): the task sweep records it when it pages the DPO's task;
  a person records it when the DPO was told out of band (a phone call on the bridge).
- The Art. 33(5) record (`breach.facts`): the facts of the breach, its effects and the remedial
  action taken. Each amendment is a new entry (the latest counts; the ledger keeps every revision).
  The text is free, but the ledger holds no personal data: an e-mail address or a phone number in
  it is refused with the reason. A draft is pre-filled from what the ledger shows, for people to edit.
"""

import re
from collections import Counter
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from functions.common.errors import BulkheadError
from functions.common.models import Message
from functions.common.people import Acted
from functions.incidents.domain import categories, declaration
from functions.ledger.models import EntryDraft, EntryType, LedgerEntry
from functions.ledger.ports import Ledger

TEXT_LIMIT = 8000
# An e-mail address: something@domain.tld
_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Dates and times are figures the record needs; they are taken out before looking for phone numbers.
_DATES = re.compile(
    r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b|\b\d{1,2}:\d{2}\b"
)
# Identifiers (incident ids, references such as HBDI-2026-0042) are words with letters: not phone numbers.
_IDENTIFIERS = re.compile(r"[\w-]*[A-Za-z_][\w-]*")
# A phone number: digits with separators (space . - ( )), 7 or more digits after a + or 00, else 9 or more.
_NUMBERS = re.compile(r"(?:\+|\b00)?\d[\d .()-]*\d")


class InvalidRecord(BulkheadError):
    """What a person asked to record is refused; the message names the field and why."""


class Channel(StrEnum):
    """How the DPO was told."""

    PAGE = "page"  # the on-call topic, stage `dpo` (the task sweep or an approval stage)
    PHONE = "phone"
    EMAIL = "email"
    IN_PERSON = "in_person"
    CHAT = "chat"
    VIDEO = "video"
    SMS = "sms"


class DpoInformedRequest(Message):
    incident_id: str
    by: Acted  # who records it, as the roster names them
    dpo: str = Field(min_length=1, max_length=128, description="the DPO (or legal) who was told")
    at: datetime
    channel: Channel


class FactsInput(Message):
    """The Art. 33(5) record as a person writes it."""

    facts: str = Field(min_length=1, max_length=TEXT_LIMIT)
    effects: str = Field(min_length=1, max_length=TEXT_LIMIT)
    remedial: str = Field(min_length=1, max_length=TEXT_LIMIT)


class FactsRequest(Message):
    incident_id: str
    by: Acted
    record: FactsInput


class Recorded(Message):
    """What a command recorded, or the entry that already held it (`changed` False)."""

    seq: int
    changed: bool
    revision: int = 1


def personal_data(text: str) -> str | None:
    """What in `text` looks like an e-mail address or a phone number (None when nothing does)."""
    if _EMAIL.search(text):
        return "an e-mail address"
    for found in _NUMBERS.finditer(_IDENTIFIERS.sub(" ", _DATES.sub(" ", text))):
        token = found.group(0)
        digits = sum(ch.isdigit() for ch in token)
        international = token.startswith(("+", "00"))
        if digits >= (7 if international else 9):
            return "a phone number"
    return None


def dpo_told_at(entries: list[LedgerEntry]) -> LedgerEntry | None:
    """The first time the ledger records the DPO was told."""
    told = [e for e in entries if e.type is EntryType.DPO_INFORMED]
    return min(told, key=lambda e: e.at) if told else None


def record_dpo_informed(
    request: DpoInformedRequest, entries: list[LedgerEntry], ledger: Ledger, now: datetime
) -> Recorded:
    """Record when the DPO was told out of band: a timezone-aware time, not in the future, not before
    the declaration. The same (DPO, time, channel) again records nothing."""
    declared = declaration(request.incident_id, entries)
    at = request.at
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidRecord("--at: give a timezone (e.g. 2026-11-27T10:15:00Z or +01:00)")
    if at > now:
        raise InvalidRecord(f"--at: {at.isoformat()} is in the future (now {now:%Y-%m-%dT%H:%M:%SZ})")
    if at < declared.at:
        raise InvalidRecord(
            f"--at: {at.isoformat()} is before the incident was declared ({declared.at:%Y-%m-%dT%H:%M:%SZ})"
        )
    if personal_data(request.dpo):
        raise InvalidRecord("--dpo: name the person, not their contact details")
    for e in entries:
        same = (e.data.get("person"), e.data.get("channel")) == (request.dpo, request.channel.value)
        if e.type is EntryType.DPO_INFORMED and same and e.at == at:
            return Recorded(seq=e.seq, changed=False)
    entry = ledger.append(
        request.incident_id,
        EntryDraft(
            type=EntryType.DPO_INFORMED,
            actor=request.by.actor,
            at=at,
            data={
                "person": request.dpo,
                "channel": request.channel.value,
                "recorded_by": request.by.name,
                "recorded_by_id": request.by.person_id,
                "recorded_by_iam": request.by.iam_principal,
                "recorded_at": now.isoformat(),
                "source": "command",
            },
        ),
    )
    return Recorded(seq=entry.seq, changed=True)


def dpo_paged(incident_id: str, dpo: str, via: str, ledger: Ledger, now: datetime, actor: str) -> LedgerEntry:
    """The DPO's page went out (`via`: the task or the approval stage that paged): the time they were told."""
    return ledger.append(
        incident_id,
        EntryDraft(
            type=EntryType.DPO_INFORMED,
            actor=actor,
            at=now,
            data={"person": dpo, "channel": Channel.PAGE.value, "source": via},
        ),
    )


def facts_history(entries: list[LedgerEntry]) -> list[LedgerEntry]:
    return [e for e in entries if e.type is EntryType.BREACH_FACTS]


def record_facts(request: FactsRequest, entries: list[LedgerEntry], ledger: Ledger, now: datetime) -> Recorded:
    """Record the Art. 33(5) record, or amend it: each revision a new entry naming the one it amends."""
    declaration(request.incident_id, entries)
    for field in ("facts", "effects", "remedial"):
        found = personal_data(getattr(request.record, field))
        if found:
            raise InvalidRecord(
                f"--{field}: it holds {found}; the ledger keeps no personal data (describe people by role or count)"
            )
    history = facts_history(entries)
    text = request.record.model_dump()
    if history and {k: history[-1].data.get(k) for k in text} == text:
        return Recorded(seq=history[-1].seq, changed=False, revision=len(history))
    entry = ledger.append(
        request.incident_id,
        EntryDraft(
            type=EntryType.BREACH_FACTS,
            actor=request.by.actor,
            at=now,
            data={
                **text,
                **request.by.facts,
                "revision": len(history) + 1,
                "amends_seq": history[-1].seq if history else None,
            },
        ),
    )
    return Recorded(seq=entry.seq, changed=True, revision=len(history) + 1)


def draft_facts(incident_id: str, entries: list[LedgerEntry]) -> FactsInput:
    """A first draft from the ledger: data at stake, subjects, what was done and in which mode."""
    declared = declaration(incident_id, entries)
    data = declared.data
    cats = ", ".join(categories(entries)) or "not classified"
    planned = next((e.data for e in entries if e.type is EntryType.NOTIFICATION_PLANNED), None)
    escalations = [e.data for e in entries if e.type is EntryType.INCIDENT_ESCALATED and e.data.get("customers")]
    known = int(escalations[-1]["customers"]) if escalations else int(data.get("customers", 0) or 0)
    facts = (
        f"Incident {incident_id} on store {data.get('store_id')} was declared at "
        f"{declared.at:%Y-%m-%d %H:%M} UTC (severity {data.get('severity')}, mode {data.get('mode', 'live')}). "
        f"Data categories at stake: {cats}. Data subjects known affected: {known}."
    )
    if planned is not None:
        widened = (
            " (audience widened: " + ", ".join(planned.get("widened_from", [])) + ")"
            if planned.get("scope_widened")
            else ""
        )
        facts += f" Notification audience resolved: {planned.get('customers')} customers{widened}."
    effects = (
        f"Personal data of {known} customers ({cats}) may have been disclosed to an unauthorised party. "
        "Likely consequences for the data subjects: [edit: phishing, fraud, identity misuse...]."
    )
    applied = Counter(str(e.data.get("kind")) for e in entries if e.type is EntryType.ACTION_APPLIED)
    modes = sorted({str(m) for e in entries if e.type is EntryType.DEGRADATION_SET for m in e.data.get("modes", [])})
    sent = sum(
        int(e.data.get("customers_reached", 0) or 0) for e in entries if e.type is EntryType.NOTIFICATION_BATCH_SENT
    )
    reverted = sum(1 for e in entries if e.type is EntryType.ACTION_REVERTED)
    done = ", ".join(f"{kind} x{n}" for kind, n in sorted(applied.items())) or "none"
    remedial = (
        f"Containment actions applied: {done}. Degradation modes set: {', '.join(modes) or 'none'}. "
        f"Customers notified: {sent}. Actions reverted on restore: {reverted}. [edit: further measures]"
    )
    return FactsInput(facts=facts, effects=effects, remedial=remedial)
