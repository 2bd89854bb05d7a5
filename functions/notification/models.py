"""Customer and regulator notification: who is affected, what they are told, what was sent.

Personal data (addresses, phone numbers, names) exists only in `Recipient`, which lives in the
encrypted roster objects and in the send step's memory. Every model that reaches the state
machine, the ledger or a log carries counts and keyed pseudonyms instead.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from functions.common.config import Mode, Regime
from functions.common.models import Message
from functions.detection.models import Incident

MAX_BATCH = 50  # SES SendBulkTemplatedEmail takes at most 50 destinations per call
Language = Annotated[str, Field(pattern=r"^(en|de|fr|es)$")]
Pseudonym = Annotated[str, Field(pattern=r"^ps_[0-9a-f]{32}$")]


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class NotificationPlan(Message):
    channels: tuple[Channel, ...] = (Channel.EMAIL,)
    subject_ids: tuple[str, ...] = Field(default=(), description="platform ids of affected customers")
    required: bool = Field(description="GDPR Art. 34: high risk to the data subjects")


class ScopeKind(StrEnum):
    """How the incident names its affected customers (the grammar of `subject_ids`)."""

    CUSTOMER_IDS = "customer_ids"  # customer:<id>
    TAG = "tag"  # tag:<tag>  (Shopify customer tag)
    SEGMENT = "segment"  # segment:<id>  (Shopify segment, Magento customer group)
    BULK_OPERATION = "bulk_operation"  # gid://shopify/BulkOperation/<id>
    ALL_CUSTOMERS = "all_customers"  # store:all
    # s3:<bucket>  (a bucket of customer exports: who was exported cannot be read back, so the
    # store's customers are all in scope when the bucket is one of its `customer_data_buckets`)
    EXPORT_BUCKET = "export_bucket"


class AudienceScope(Message):
    kind: ScopeKind
    values: tuple[str, ...] = ()


class Address(Message):
    country_code: str | None = None  # ISO 3166-1 alpha-2
    province_code: str | None = None  # US state, CA province (ISO 3166-2 suffix)


class Customer(Message):
    """One customer as a platform directory returns it. Personal data: never logged or recorded."""

    platform_id: str
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    locale: str | None = None
    addresses: tuple[Address, ...] = ()
    accepts_sms: bool = True


class Recipient(Message):
    """One roster line: what the send step needs, and no more. Personal data: roster only."""

    pseudonym: Pseudonym
    jurisdiction: str
    language: Language
    email: str | None = None
    phone: str | None = None  # E.164, validated at resolution
    first_name: str | None = None


class BatchRef(Message):
    """One item of the roster manifest (what the Distributed Map iterates): where a batch lives."""

    batch: int = Field(ge=0)
    key: str = Field(min_length=1)
    size: int = Field(ge=1, le=MAX_BATCH)


class ResolveRequest(Message):
    """Input of ResolveAudience."""

    incident: Incident
    mode: Mode
    notification: NotificationPlan
    concurrency: int = Field(default=10, ge=1, le=10_000, description="parallel send workers (Map)")


class AudienceResolved(Message):
    """Output of ResolveAudience, at `$.audience`: counts and where the roster is, never who."""

    incident_id: str
    required: bool
    roster_bucket: str
    manifest_key: str
    batches: int
    customers: int
    by_jurisdiction: dict[str, int]
    by_language: dict[str, int]
    channels: tuple[Channel, ...]
    email_rate_per_worker: float = Field(gt=0, description="recipients/s each Map worker may send")
    scope_widened: bool = False


class SendBatchRequest(Message):
    """One Distributed Map item: a batch reference plus the run's shared facts."""

    incident: Incident
    mode: Mode
    roster_bucket: str
    channels: tuple[Channel, ...]
    email_rate_per_worker: float = Field(gt=0)
    batch: BatchRef
    # The reviewed notices, `regime/language` -> sha256: a notice whose text differs is not sent.
    approved_notices: dict[str, str] | None = None
    notice_on: date | None = None  # the date the reviewed notices carry


class BatchOutcome(Message):
    """What one batch did, as counts (recorded in the ledger as `notification.batch_sent`)."""

    batch: int
    customers_reached: int = 0
    emailed: int = 0
    texted: int = 0
    duplicates: int = 0
    failed: int = 0
    no_address: int = 0
    invalid_phone: int = 0
    sms_over_budget: int = 0
    drill_redirected: int = 0


class EmailSendResult(Message):
    """Per destination of one bulk call, by index: accepted, worth retrying, refused for good."""

    sent: tuple[int, ...] = ()
    retryable: tuple[int, ...] = ()
    rejected: tuple[int, ...] = ()


class SummariseRequest(Message):
    """Input of SummariseNotification."""

    incident_id: str
    mode: Mode
    audience: AudienceResolved


class NotificationOutcome(Message):
    """Output of the notification phase, at `$.notification`."""

    planned: int
    sent: int
    skipped: int
    channels: tuple[Channel, ...]
    emailed: int = 0
    texted: int = 0
    duplicates: int = 0
    failed: int = 0
    batches_recorded: int = 0


class FeedbackKind(StrEnum):
    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    DELIVERY = "delivery"


class SesFeedback(Message):
    """One SES event (via SNS), reduced to what is counted: kind, how many recipients, which incident."""

    kind: FeedbackKind
    incident_id: str | None
    recipients: int = Field(ge=0)
    permanent: bool = False


class FeedbackCounts(Message):
    """SES feedback for one incident, as counts (recorded as `notification.feedback`)."""

    incident_id: str
    bounces: int = 0
    permanent_bounces: int = 0
    complaints: int = 0
    deliveries: int = 0


class NoticeRegime(StrEnum):
    """The law a customer notice is written to: chosen by residence and the firm's authorisations."""

    GDPR = "gdpr"  # GDPR Art. 34 (EU/EEA residents, or any customer of a firm established there)
    UK_GDPR = "uk_gdpr"  # UK GDPR Art. 34
    US = "us"  # SEC Reg S-P 248.30(a)(4)(iv) content, which also meets most state laws
    CALIFORNIA = "california"  # Cal. Civ. Code 1798.82(d): "Notice of Data Breach", fixed headings
    MASSACHUSETTS = "massachusetts"  # M.G.L. c. 93H s. 3(b): no nature, no count; police report, freeze


class NoticeFacts(Message):
    """What the incident's ledger shows at sending time; a notice states these and nothing more."""

    measures: tuple[str, ...] = Field(default=(), description="containment action kinds applied and verified")
    measures_on: date | None = None  # when the last of them was verified
    modes: tuple[str, ...] = Field(default=(), description="degradation modes in force")
    informed: tuple[str, ...] = Field(default=(), description="authorities a filing is recorded for")
    informed_on: date | None = None
    dora_major: bool = False  # classified as a major ICT-related incident (DORA Art. 19(3) notice)
    classified_at: datetime | None = None  # when a person classified it as major


class NoticeContext(Message):
    """What a customer notice says: the regime's elements, the recorded facts, branding. No personal data."""

    language: Language
    regime: NoticeRegime = NoticeRegime.GDPR
    facts: NoticeFacts = NoticeFacts()
    contact_phone: str | None = None
    postal_address: str | None = None
    complaint_authority: str | None = None  # the competent supervisory authority, when configured
    brand_name: str
    accent_color: str
    logo_url: str | None = None
    help_url: str | None = None
    contact_point: str
    incident_reference: str
    aware_on: str  # date, in the notice's language
    notice_on: str | None = None  # the notice's own date (California), in the notice's language
    data_categories: tuple[str, ...]
    drill: bool = False


class RenderedNotice(Message):
    language: Language
    subject: str
    text: str
    html: str
    sms: str


class RegulatorDraftRequest(Message):
    """Input of DraftRegulatorNotices."""

    incident: Incident
    mode: Mode
    audience: AudienceResolved


class RegulatorDraft(Message):
    regime: Regime
    authority: str
    deadline: datetime | None
    key: str  # where the draft text is stored
    sha256: str


class RegulatorDrafts(Message):
    incident_id: str
    drafts: tuple[RegulatorDraft, ...]
