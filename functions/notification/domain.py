"""Notify affected customers, exactly once each, and draft the regulator notices.

Three steps of the response state machine run this:
- `resolve_audience`: the incident's scope -> the platform's customers -> a roster of batches of
  at most 50 in S3 (encrypted, short-lived). The ledger gets counts, never who.
- `send_batch`: one Distributed Map item. Every (incident, customer pseudonym, channel) is claimed
  by a conditional write before the send and confirmed after it, so Retry, a re-run execution and
  a redrive never send twice. Email goes out as SES bulk templated calls paced to the account's
  send rate; SMS to E.164 numbers within the spend limit. Drills and sandbox stores send only to
  the configured sink.
- `summarise`: adds up the recorded batches.
"""

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from functions.common.config import FirmConfig, Mode, Regime, StoreConfig
from functions.common.errors import PermanentActionFailure, PlatformThrottled
from functions.common.retry import retrying
from functions.detection.models import Incident
from functions.ledger.canonical import canonical
from functions.ledger.models import EntryDraft, EntryType
from functions.ledger.ports import Ledger
from functions.notification import notices, regulators, roster
from functions.notification.facts import notice_facts
from functions.notification.models import (
    MAX_BATCH,
    AudienceResolved,
    BatchOutcome,
    BatchRef,
    Channel,
    Customer,
    EmailSendResult,
    FeedbackCounts,
    FeedbackKind,
    NoticeContext,
    NoticeFacts,
    NoticeRegime,
    NotificationOutcome,
    Recipient,
    RegulatorDraft,
    RegulatorDraftRequest,
    RegulatorDrafts,
    RenderedNotice,
    ResolveRequest,
    ScopeKind,
    SendBatchRequest,
    SesFeedback,
    SummariseRequest,
)
from functions.notification.ports import (
    BatchRecords,
    CustomerDirectory,
    DeliveryGuard,
    DraftStore,
    EmailSender,
    IncidentJournal,
    Pacer,
    Pseudonyms,
    RosterStore,
    SmsBudget,
    SmsSender,
)

ACTOR = "notification"
SEND_ATTEMPTS = 5  # in-step attempts on throttling before the state machine's Retry takes over


# --- ResolveAudience ------------------------------------------------------------------------


def resolve_audience(
    request: ResolveRequest,
    config: FirmConfig,
    directory: CustomerDirectory,
    rosters: RosterStore,
    pseudonyms: Pseudonyms,
    email_rate: float,
    ledger: Ledger,
    now: datetime,
) -> AudienceResolved:
    incident, plan = request.incident, request.notification
    store = config.store(incident.store_id)
    named = roster.scopes(plan.subject_ids)
    # Widened before any read: a bucket of customer exports stands for every customer of the store.
    scopes, to_all, unmapped_buckets = roster.readable(named, store.customer_data_buckets)
    widened_from = [ScopeKind.EXPORT_BUCKET.value] if to_all else []
    write = plan.required and request.mode is not Mode.DRY_RUN
    seen: set[str] = set()
    counts: Counter[str] = Counter()
    by_jurisdiction: Counter[str] = Counter()
    by_language: Counter[str] = Counter()
    manifest: list[dict[str, object]] = []
    pending: list[Recipient] = []

    def flush() -> None:
        if write and pending:
            key = rosters.put_batch(incident.incident_id, len(manifest), pending)
            manifest.append(BatchRef(batch=len(manifest), key=key, size=len(pending)).model_dump())
        pending.clear()

    for customer in (c for s in scopes for c in directory.customers(s)):
        if customer.platform_id in seen:
            continue
        seen.add(customer.platform_id)
        recipient = _recipient(customer, store, pseudonyms, counts)
        if recipient is None:
            continue
        by_jurisdiction[recipient.jurisdiction] += 1
        by_language[recipient.language] += 1
        pending.append(recipient)
        if len(pending) == MAX_BATCH:
            flush()
    flush()
    # Known once the scopes were read: an unreadable bulk export widens inside the directory.
    widened_from += [s.kind.value for s in scopes if not directory.exact(s)]
    widened = bool(widened_from)
    manifest_key = rosters.put_manifest(incident.incident_id, manifest) if write else ""
    resolved = AudienceResolved(
        incident_id=incident.incident_id,
        required=plan.required,
        roster_bucket=rosters.bucket,
        manifest_key=manifest_key,
        batches=len(manifest),
        customers=len(seen),
        by_jurisdiction=dict(by_jurisdiction),
        by_language=dict(by_language),
        channels=plan.channels,
        # The quota is shared by the Map's children running at once: no more of them than batches.
        email_rate_per_worker=max(email_rate / max(1, min(request.concurrency, len(manifest))), 0.01),
        scope_widened=widened,
    )
    ledger.append(
        incident.incident_id,
        EntryDraft(
            type=EntryType.NOTIFICATION_PLANNED,
            actor=ACTOR,
            at=now,
            data={
                "customers": resolved.customers,
                "reachable": sum(by_language.values()),
                "unreachable": counts["unreachable"],
                "invalid_emails": counts["invalid_email"],
                "invalid_phones": counts["invalid_phone"],
                "batches": resolved.batches,
                "by_jurisdiction": resolved.by_jurisdiction,
                "by_language": resolved.by_language,
                "scopes": [s.kind.value for s in scopes],
                "scope_widened": widened,
                "widened_from": widened_from,
                "unmapped_buckets": unmapped_buckets,
                "channels": [c.value for c in plan.channels],
                "required": plan.required,
                "mode": request.mode.value,
                "would_notify": resolved.customers if request.mode is Mode.DRY_RUN else None,
            },
        ),
    )
    return resolved


def _recipient(
    customer: Customer, store: StoreConfig, pseudonyms: Pseudonyms, counts: Counter[str]
) -> Recipient | None:
    email = roster.email_address(customer.email)
    if customer.email and email is None:
        counts["invalid_email"] += 1
    phone = roster.e164(customer.phone) if customer.accepts_sms else None
    if customer.phone and customer.accepts_sms and phone is None:
        counts["invalid_phone"] += 1
    if email is None and phone is None:
        counts["unreachable"] += 1  # still counted as affected; a regulator draft says how many
        return None
    place = roster.jurisdiction(customer.addresses, store.jurisdictions[0])
    return Recipient(
        pseudonym=pseudonyms.of(store.store_id, customer.platform_id),
        jurisdiction=place,
        language=roster.language(customer.locale, place, store.branding.default_language),
        email=email,
        phone=phone,
        first_name=customer.first_name,
    )


# --- the notice -----------------------------------------------------------------------------


def notice_context(
    incident: Incident,
    config: FirmConfig,
    language: str,
    drill: bool,
    regime: NoticeRegime = NoticeRegime.GDPR,
    facts: NoticeFacts | None = None,
    notice_on: date | None = None,
) -> NoticeContext:
    """What one (regime, language) notice of this incident says; `facts` from its ledger."""
    store = config.store(incident.store_id)
    branding = store.branding
    complaint = config.authority(Regime.GDPR_ART33, store.store_id) if regime is NoticeRegime.GDPR else None
    return NoticeContext(
        language=language,
        regime=regime,
        facts=facts or NoticeFacts(),
        brand_name=branding.display_name or config.firm_name,
        accent_color=branding.accent_color,
        logo_url=str(branding.logo_url) if branding.logo_url else None,
        help_url=str(branding.help_url) if branding.help_url else None,
        contact_point=config.contact_point,
        contact_phone=config.contact_phone,
        postal_address=config.postal_address,
        complaint_authority=complaint,
        incident_reference=incident.incident_id,
        aware_on=notices.local_date(incident.aware_at.date(), language),
        notice_on=notices.local_date(notice_on, language) if notice_on else None,
        data_categories=tuple(c.value for c in incident.data_categories),
        drill=drill,
    )


def notice_regime(place: str, config: FirmConfig) -> NoticeRegime:
    """The law a customer's notice is written to: where they live, else what the firm answers to."""
    code = place.upper()
    country = code.split("-", maxsplit=1)[0]
    if code == "US-CA":
        return NoticeRegime.CALIFORNIA
    if code == "US-MA":
        return NoticeRegime.MASSACHUSETTS
    if country == "US":
        return NoticeRegime.US
    if country in roster.EEA or code == "EU":
        return NoticeRegime.GDPR
    if country in ("GB", "UK"):
        return NoticeRegime.UK_GDPR
    # Elsewhere: GDPR follows an EU establishment wherever the customer lives (Art. 3(1)).
    if config.authorised(Regime.GDPR_ART33):
        return NoticeRegime.GDPR
    if config.authorised(Regime.UK_GDPR):
        return NoticeRegime.UK_GDPR
    if any(config.authorised(r) for r in (Regime.SEC_REG_SP, Regime.NYDFS_500_17, Regime.FTC_SAFEGUARDS)):
        return NoticeRegime.US
    return NoticeRegime.GDPR


def notice_language(language: str, config: FirmConfig, store: StoreConfig) -> str:
    """The customer's language if the firm writes in it, else the store's default, else the firm's first."""
    if language in config.languages:
        return language
    default = store.branding.default_language
    return default if default in config.languages else config.languages[0]


def template_name(incident_id: str, regime: NoticeRegime, language: str, notice: RenderedNotice, drill: bool) -> str:
    """Named by content (at most 64 characters): a notice whose facts changed gets a new template,
    so concurrent batches never overwrite what another is sending."""
    digest = hashlib.sha256(f"{incident_id}|{notice.subject}|{notice.text}|{notice.html}".encode()).hexdigest()
    return f"bulkhead-{digest[:24]}-{regime.value}-{language}{'-drill' if drill else ''}"


def notice_sha256(notice: RenderedNotice) -> str:
    """The hash of one notice as a reviewer approves it: RFC 8785 JSON of its language, subject, text,
    HTML and SMS, placeholders unfilled (the e-mail template's hash, `template_sha256`, covers what
    SES holds of it)."""
    fields = {"language": notice.language, "subject": notice.subject, "text": notice.text, "html": notice.html}
    return hashlib.sha256(canonical({**fields, "sms": notice.sms})).hexdigest()


def review_key(regime: NoticeRegime, language: str) -> str:
    return f"{regime.value}/{language}"


def reaches_only_the_sink(mode: Mode, config: FirmConfig, store_id: str) -> bool:
    """A drill, or any run on a sandbox store: its notices say so and go to the drill sinks only."""
    return mode is Mode.DRILL or config.store(store_id).sandbox


def notices_for_review(
    incident: Incident,
    config: FirmConfig,
    audience: AudienceResolved,
    mode: Mode,
    facts: NoticeFacts,
    notice_on: date,
) -> dict[str, RenderedNotice]:
    """Every (regime, language) notice the audience can receive, as `send_batch` renders it: what a
    person reads before anything goes (each recipient's greeting stays a placeholder)."""
    store = config.store(incident.store_id)
    drill = reaches_only_the_sink(mode, config, incident.store_id)
    regimes = sorted({notice_regime(place, config) for place in audience.by_jurisdiction})
    languages = sorted({notice_language(lang, config, store) for lang in audience.by_language})
    found: dict[str, RenderedNotice] = {}
    for regime in regimes:
        for language in languages:
            context = notice_context(incident, config, language, drill, regime, facts, notice_on)
            found[review_key(regime, language)] = _rendered(context)
    return found


class NoticeChanged(PermanentActionFailure):
    """What would be sent is not what a person approved: nothing of the batch is sent."""


# --- SendNotices (one Map item) -------------------------------------------------------------


@dataclass(frozen=True)
class Channels:
    """The providers and guards one batch uses, built by the handler."""

    guard: DeliveryGuard
    email: EmailSender
    email_pacer: Pacer
    sms: SmsSender
    sms_pacer: Pacer
    sms_budget: SmsBudget


def send_batch(
    request: SendBatchRequest,
    config: FirmConfig,
    rosters: RosterStore,
    channels: Channels,
    ledger: Ledger,
    now: Callable[[], datetime],
    journal: IncidentJournal | None = None,
) -> BatchOutcome:
    """Send one batch. The notice states what `journal` (the incident's ledger) records at this
    moment; without a journal it states no measure and no filing."""
    incident = request.incident
    # A sandbox store can never reach a customer, whatever mode the run was started in.
    drill = reaches_only_the_sink(request.mode, config, incident.store_id)
    if request.mode is Mode.DRY_RUN:
        raise PermanentActionFailure("a dry run writes no roster and sends nothing")
    recipients = rosters.batch(request.batch.key)
    started = now()
    recorded = notice_facts(journal.entries(incident.incident_id), started) if journal else NoticeFacts()
    # Dated as reviewed: a review that crosses midnight still sends the notice the person read.
    notice = _Notice(incident, config, drill, recorded, request.notice_on or started.date())
    if request.approved_notices is not None:
        _as_approved(notice, recipients, request.approved_notices)
    tally: Counter[str] = Counter()
    outgoing = _Outgoing(incident.incident_id, notice, channels, tally)
    reached: set[str] = set()
    if Channel.EMAIL in request.channels:
        reached |= _email(outgoing, recipients)
    if Channel.SMS in request.channels:
        reached |= _sms(outgoing, recipients)
    outcome = BatchOutcome(batch=request.batch.batch, customers_reached=len(reached), **tally)
    ledger.append(
        incident.incident_id,
        EntryDraft(
            type=EntryType.NOTIFICATION_BATCH_SENT,
            actor=ACTOR,
            at=now(),
            # The e-mail templates sent, by name and SHA-256: the evidence pack carries them.
            data={**outcome.model_dump(mode="json"), "mode": request.mode.value, "templates": outgoing.templates},
        ),
    )
    return outcome


def template_sha256(notice: RenderedNotice) -> str:
    """The SHA-256 of an e-mail template as the evidence pack holds it: RFC 8785 JSON of its subject,
    text and HTML, each with the `{{greeting}}` placeholder SES fills per recipient (no personal data)."""
    return hashlib.sha256(canonical({"subject": notice.subject, "text": notice.text, "html": notice.html})).hexdigest()


@dataclass(frozen=True)
class _Notice:
    """One batch's notices: the incident, the recorded facts and the day, per (regime, language)."""

    incident: Incident
    config: FirmConfig
    drill: bool
    facts: NoticeFacts
    today: date

    def for_recipient(self, recipient: Recipient) -> tuple[NoticeRegime, str]:
        store = self.config.store(self.incident.store_id)
        regime = notice_regime(recipient.jurisdiction, self.config)
        return regime, notice_language(recipient.language, self.config, store)

    def rendered(self, regime: NoticeRegime, language: str) -> RenderedNotice:
        context = notice_context(self.incident, self.config, language, self.drill, regime, self.facts, self.today)
        return _rendered(context)


def _as_approved(notice: "_Notice", recipients: Sequence[Recipient], approved: dict[str, str]) -> None:
    """Refuse the batch, before any claim or send, if a notice it would send differs from the approved one."""
    for regime, language in sorted({notice.for_recipient(r) for r in recipients}):
        key = review_key(regime, language)
        if approved.get(key) != notice_sha256(notice.rendered(regime, language)):
            raise NoticeChanged(
                f"the {key} notice differs from the one approved (sha256 {approved.get(key, 'none')}): "
                "review it again before it is sent"
            )


@dataclass(frozen=True)
class _Outgoing:
    """One batch on its way out: its notices, the channels it goes by, the counts it keeps and the
    e-mail templates it sent (name -> SHA-256)."""

    incident_id: str
    notice: _Notice
    channels: Channels
    tally: Counter[str]
    templates: dict[str, str] = field(default_factory=dict)


def _email(outgoing: _Outgoing, recipients: Sequence[Recipient]) -> set[str]:
    reached: set[str] = set()
    with_email = [r for r in recipients if r.email]
    outgoing.tally["no_address"] += len(recipients) - len(with_email)
    groups: dict[tuple[NoticeRegime, str], list[Recipient]] = {}
    for recipient in with_email:
        groups.setdefault(outgoing.notice.for_recipient(recipient), []).append(recipient)
    for (regime, language), group in sorted(groups.items()):
        won = outgoing.channels.guard.claim(outgoing.incident_id, Channel.EMAIL, [r.pseudonym for r in group])
        outgoing.tally["duplicates"] += len(group) - len(won)
        todo = [r.model_copy(update={"language": language}) for r in group if r.pseudonym in won]
        if not todo:
            continue
        rendered = outgoing.notice.rendered(regime, language)
        name = template_name(outgoing.incident_id, regime, language, rendered, outgoing.notice.drill)
        outgoing.channels.email.ensure_template(name, rendered)
        outgoing.templates[name] = template_sha256(rendered)
        if outgoing.notice.drill:
            outgoing.tally["drill_redirected"] += len(todo)
            todo = [r.model_copy(update={"email": outgoing.notice.config.notices.drill_sink_email}) for r in todo]
        reached |= _send_email(outgoing.incident_id, name, todo, outgoing.channels, outgoing.tally)
    return reached


def _send_email(
    incident_id: str, template: str, todo: list[Recipient], channels: Channels, tally: Counter[str]
) -> set[str]:
    """Send claimed recipients; confirm what was accepted, release what was not, and never resend.

    Throttled recipients (the whole call, or those SES reported as throttled) are sent again by the
    one retry policy; those still throttled at the end are released for the state machine's Retry.
    """
    reached: set[str] = set()
    guard = channels.guard
    pending = list(todo)

    def attempt() -> None:
        nonlocal pending
        channels.email_pacer.wait_for(len(pending))
        try:
            result: EmailSendResult = channels.email.send_bulk(template, pending)
        except PlatformThrottled:
            raise
        except Exception:
            guard.release(incident_id, Channel.EMAIL, [r.pseudonym for r in pending])
            raise
        sent = [pending[i].pseudonym for i in result.sent]
        guard.confirm(incident_id, Channel.EMAIL, sent)
        reached.update(sent)
        tally["emailed"] += len(sent)
        rejected = [pending[i].pseudonym for i in result.rejected]
        if rejected:
            guard.fail(incident_id, Channel.EMAIL, rejected, "rejected by SES")
            tally["failed"] += len(rejected)
        pending = [pending[i] for i in result.retryable]
        if pending:
            raise PlatformThrottled(f"SES throttled {len(pending)} notices", retry_after_seconds=0.0)

    if not pending:
        return reached
    try:
        retrying(attempt, channels.email_pacer.pause, SEND_ATTEMPTS, transient=False)
    except PlatformThrottled as exc:  # give the claims back and let the state machine's Retry back off
        guard.release(incident_id, Channel.EMAIL, [r.pseudonym for r in pending])
        raise PlatformThrottled(f"SES throttled {len(pending)} notices after {SEND_ATTEMPTS} attempts") from exc
    return reached


def _sms(outgoing: _Outgoing, recipients: Sequence[Recipient]) -> set[str]:
    reached: set[str] = set()
    guard = outgoing.channels.guard
    with_phone = [r for r in recipients if r.phone]
    if not with_phone:
        return reached
    won = guard.claim(outgoing.incident_id, Channel.SMS, [r.pseudonym for r in with_phone])
    outgoing.tally["duplicates"] += len(with_phone) - len(won)
    sink = outgoing.notice.config.notices.drill_sink_phone
    for recipient in (r for r in with_phone if r.pseudonym in won):
        text = outgoing.notice.rendered(*outgoing.notice.for_recipient(recipient)).sms
        number = recipient.phone or ""
        if outgoing.notice.drill:
            outgoing.tally["drill_redirected"] += 1
            if sink is None:  # no verified test number: record the drill, send nothing
                guard.confirm(outgoing.incident_id, Channel.SMS, [recipient.pseudonym])
                continue
            number = sink
        if not outgoing.channels.sms_budget.reserve(roster.sms_parts(text)):
            guard.release(outgoing.incident_id, Channel.SMS, [recipient.pseudonym])
            outgoing.tally["sms_over_budget"] += 1
            continue
        if _send_sms(number, text, outgoing.channels):
            guard.confirm(outgoing.incident_id, Channel.SMS, [recipient.pseudonym])
            reached.add(recipient.pseudonym)
            outgoing.tally["texted"] += 1
        else:
            guard.fail(outgoing.incident_id, Channel.SMS, [recipient.pseudonym], "refused by SNS")
            outgoing.tally["failed"] += 1
    return reached


def _send_sms(number: str, text: str, channels: Channels) -> bool:
    def attempt() -> bool:
        channels.sms_pacer.wait_for(1)
        try:
            channels.sms.send(number, text)
        except PermanentActionFailure:
            return False
        return True

    try:
        return retrying(attempt, channels.sms_pacer.pause, SEND_ATTEMPTS, transient=False)
    except PlatformThrottled as exc:
        raise PlatformThrottled(f"SNS throttled an SMS {SEND_ATTEMPTS} times") from exc


@lru_cache(maxsize=64)
def _rendered(context: NoticeContext) -> RenderedNotice:
    """Same context, same notice: render once per process, not once per SMS."""
    return notices.render(context)


# --- SummariseNotification ------------------------------------------------------------------


def summarise(request: SummariseRequest, records: BatchRecords, ledger: Ledger, now: datetime) -> NotificationOutcome:
    outcomes = records.outcomes(request.incident_id)
    total = _sum(outcomes)
    audience = request.audience
    result = NotificationOutcome(
        planned=audience.customers,
        sent=total["customers_reached"],
        skipped=max(audience.customers - total["customers_reached"], 0),
        channels=audience.channels,
        emailed=total["emailed"],
        texted=total["texted"],
        duplicates=total["duplicates"],
        failed=total["failed"],
        batches_recorded=len({o.batch for o in outcomes}),
    )
    data = {k: v for k, v in result.model_dump(mode="json").items() if k != "channels"}
    ledger.append(
        request.incident_id,
        EntryDraft(
            type=EntryType.NOTIFICATION_COMPLETED,
            actor=ACTOR,
            at=now,
            data={**data, **{k: total[k] for k in ("sms_over_budget", "drill_redirected", "no_address")}}
            | {"batches_planned": audience.batches, "mode": request.mode.value},
        ),
    )
    return result


def _sum(outcomes: Iterable[BatchOutcome]) -> Counter[str]:
    total: Counter[str] = Counter()
    for outcome in outcomes:
        total.update({k: v for k, v in outcome.model_dump().items() if k != "batch"})
    return total


# --- DraftRegulatorNotices ------------------------------------------------------------------


def draft_regulator_notices(
    request: RegulatorDraftRequest,
    config: FirmConfig,
    store: DraftStore,
    ledger: Ledger,
    now: datetime,
    journal: IncidentJournal | None = None,
) -> RegulatorDrafts:
    """Generate and record each regulator's draft; nothing is ever sent from here. Measures and
    filings in the drafts are what `journal` (the incident's ledger) records."""
    incident = request.incident
    facts = notice_facts(journal.entries(incident.incident_id), now) if journal else NoticeFacts()
    drafts = []
    for regime, authority in regulators.applicable(incident, request.audience, config):
        made = regulators.draft(regime, authority, incident, request.audience, config, facts, now)
        key = store.put_draft(incident.incident_id, made.name, made.text)
        digest = hashlib.sha256(made.text.encode()).hexdigest()
        drafts.append(
            RegulatorDraft(regime=regime, authority=authority, deadline=made.deadline, key=key, sha256=digest)
        )
        ledger.append(
            incident.incident_id,
            EntryDraft(
                type=EntryType.REGULATOR_NOTICE_DRAFTED,
                actor=ACTOR,
                at=now,
                data={
                    "regime": regime.value,
                    "authority": authority,
                    "deadline": made.deadline.isoformat() if made.deadline else None,
                    "draft_sha256": digest,
                    "draft_key": key,
                    "sent": False,
                    "mode": request.mode.value,
                },
            ),
        )
    return RegulatorDrafts(incident_id=incident.incident_id, drafts=tuple(drafts))


# --- RecordNotificationFeedback -------------------------------------------------------------


def record_feedback(events: Sequence[SesFeedback], ledger: Ledger, now: datetime) -> list[FeedbackCounts]:
    """SES bounces, complaints and deliveries, counted per incident; addresses are never kept."""
    totals: dict[str, Counter[str]] = {}
    for event in events:
        if event.incident_id is None:
            continue  # not one of ours (no bulkhead-incident tag)
        tally = totals.setdefault(event.incident_id, Counter())
        match event.kind:
            case FeedbackKind.BOUNCE:
                tally["bounces"] += event.recipients
                tally["permanent_bounces"] += event.recipients if event.permanent else 0
            case FeedbackKind.COMPLAINT:
                tally["complaints"] += event.recipients
            case FeedbackKind.DELIVERY:
                tally["deliveries"] += event.recipients
    recorded = []
    for incident_id, tally in sorted(totals.items()):
        counts = FeedbackCounts(incident_id=incident_id, **tally)
        data = counts.model_dump(mode="json", exclude={"incident_id"})
        ledger.append(incident_id, EntryDraft(type=EntryType.NOTIFICATION_FEEDBACK, actor=ACTOR, at=now, data=data))
        recorded.append(counts)
    return recorded
