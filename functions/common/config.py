"""The firm's configuration: stores, regulators and response policies.

One validated model, stored as JSON in an SSM parameter (named by BULKHEAD_CONFIG_PARAMETER) in
AWS and in the local runtime alike. Secrets are never in it, only their Secrets Manager ids.
"""

import json
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, HttpUrl, ValidationError, field_validator, model_validator

from functions.common.errors import ConfigurationError
from functions.common.models import Message

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]


class Platform(StrEnum):
    SHOPIFY = "shopify"
    ADOBE_COMMERCE = "adobe_commerce"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class Regime(StrEnum):
    GDPR_ART33 = "gdpr_art33"
    GDPR_ART34 = "gdpr_art34"
    UK_GDPR = "uk_gdpr"
    DORA = "dora"
    NIS2 = "nis2"
    SEC_REG_SP = "sec_reg_sp"
    NYDFS_500_17 = "nydfs_500_17"
    FTC_SAFEGUARDS = "ftc_safeguards"
    SEC_8K_105 = "sec_8k_1_05"
    CALIFORNIA_1798_82 = "california_1798_82"
    US_STATE_BREACH = "us_state_breach"  # other states' breach-notice laws, one clock per state
    UK_GDPR_ART34 = "uk_gdpr_art34"  # UK GDPR Art. 34: data subjects, high risk
    NYDFS_500_17C = "nydfs_500_17c"  # 23 NYCRR 500.17(c): an extortion payment
    FCA_PRINCIPLE_11 = "fca_principle_11"  # FCA Principle 11 and SUP 15.3


# Regimes that bind the firm because of what it is authorised as (an EU financial entity, a NYDFS
# licensee, an SEC registrant, an FCA-authorised firm), wherever its affected customers live. The
# others bind it because of where the affected customers live (GDPR, UK GDPR, US state laws).
FIRM_LEVEL = frozenset(
    {
        Regime.DORA,
        Regime.NIS2,
        Regime.SEC_REG_SP,
        Regime.NYDFS_500_17,
        Regime.NYDFS_500_17C,
        Regime.FTC_SAFEGUARDS,
        Regime.SEC_8K_105,
        Regime.FCA_PRINCIPLE_11,
    }
)
LANGUAGES = ("en", "de", "fr", "es")


class Branding(Message):
    """How the store's customer notices look: the name customers know, colour, logo, help page."""

    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    accent_color: str = Field(default="#1f3a5f", pattern=r"^#[0-9a-fA-F]{6}$")
    logo_url: HttpUrl | None = None
    help_url: HttpUrl | None = None
    default_language: str = Field(default="en", pattern=r"^(en|de|fr|es)$")


class StoreConfig(Message):
    store_id: Slug
    platform: Platform
    shop_domain: str = Field(min_length=3, max_length=255)
    # Where the Admin API lives; defaults to the platform's own URL for the shop domain. A sandbox
    # store or a development store is chosen here.
    admin_api_url: HttpUrl | None = None
    webhook_secret_id: str = Field(min_length=1)
    previous_webhook_secret_id: str | None = None
    admin_token_secret_id: str = Field(min_length=1)
    sandbox: bool = False
    # Hosts allowed to receive this store's webhooks; containment removes subscriptions to any other.
    trusted_webhook_hosts: tuple[str, ...] = ()
    # Where the store's customers live (ISO 3166 codes, or EU): drives clocks and notice language.
    jurisdictions: tuple[str, ...] = Field(default=("EU",), min_length=1)
    # Signals and detection (docs/signals.md). Shopify via EventBridge: the partner event source ARN
    # (arn:aws:events:<region>::event-source/aws.partner/shopify.com/<app id>/<name>) this shop sends to.
    partner_event_source_arn: str | None = Field(default=None, pattern=r"^arn:aws:events:[a-z0-9-]+::event-source/")
    # Signs the tokens that Shopify Flow and operators present (Flow's HTTP request is unsigned).
    operator_secret_id: str | None = None
    # Adobe I/O Events: the registration's client id (`recipient_client_id`) and the secret holding
    # the I/O Events public keys (PEM); Adobe Commerce webhooks use `webhook_secret_id` (a public key).
    io_events_client_id: str | None = None
    io_events_public_keys_secret_id: str | None = None
    # AWS findings (GuardDuty, Macie, Security Hub) belong to the store whose account or bucket they name.
    aws_account_ids: tuple[str, ...] = ()
    customer_data_buckets: tuple[str, ...] = ()
    branding: Branding = Branding()
    # The competent authority for this store's incidents, per regime, where it is not the one the
    # firm-wide `regulators` entry names: e.g. GDPR's supervisory authority of the establishment
    # that runs the store (for a German private firm, the data protection authority of its Land).
    authorities: dict[Regime, str] = Field(default_factory=dict)

    @field_validator("shop_domain")
    @classmethod
    def _lower_host(cls, value: str) -> str:
        if "/" in value or " " in value:
            raise ValueError("must be a bare host name such as acme.myshopify.com")
        return value.lower()


class Mode(StrEnum):
    LIVE = "live"  # act on the platform
    DRILL = "drill"  # act against sandbox stores and a notification sink, and score
    DRY_RUN = "dry_run"  # plan only: record what would be done, change nothing


class Role(StrEnum):
    """Who runs an incident beside the machine (docs/incident-command.md)."""

    INCIDENT_COMMANDER = "incident_commander"
    SECURITY = "security"
    DPO = "dpo"  # the data protection officer or legal: decides on regulator filings
    COMPLIANCE = "compliance"
    CUSTOMER_SERVICE = "customer_service"
    ECOMMERCE = "ecommerce"


class RegulatorConfig(Message):
    regime: Regime
    authority: str = Field(min_length=1)
    # Limit this regulator to incidents touching these jurisdictions; empty: the regime's own scope.
    jurisdictions: tuple[str, ...] = ()


class EscalationStage(Message):
    """Who is paged at one stage of an approval; a stage that times out escalates to the next."""

    name: Slug
    # The roster role whose people this stage pages, each with a link of their own (docs/approvals.md).
    role: Role | None = None
    # Pages go to the on-call topic with a `stage` message attribute: subscriptions filter on it.
    pagerduty_routing_key_secret_id: str | None = None


Expiry = Literal["hold", "send"]
_HOLD: Expiry = "hold"
_REVIEWERS: tuple[Role, ...] = (Role.CUSTOMER_SERVICE, Role.DPO)


class NoticeReviewPolicy(Message):
    """Who reads a customer notice before it goes, and what happens when nobody does in time.

    Per severity: the roles whose people review, in order (each person of a role is one escalation
    stage: the first, then the backups, then the next role's), and, when every stage lapsed without
    a decision, `hold` (nothing is sent; on-call is paged) or `send` (sent anyway, on the record).
    """

    reviewers: dict[Severity, Annotated[tuple[Role, ...], Field(min_length=1)]] = Field(
        default_factory=lambda: dict.fromkeys(Severity, _REVIEWERS)
    )
    on_expiry: dict[Severity, Expiry] = Field(default_factory=lambda: dict.fromkeys(Severity, _HOLD))
    # A drill's notice goes only to the sink: `drill_policy` approves it on the record and pages no one;
    # `review` has it reviewed like a live notice (pages say DRILL first).
    drills: Literal["drill_policy", "review"] = "drill_policy"

    def roles_for(self, severity: Severity) -> tuple[Role, ...]:
        return self.reviewers.get(severity, _REVIEWERS)

    def expiry(self, severity: Severity) -> Expiry:
        return self.on_expiry.get(severity, _HOLD)


class ResponsePolicy(Message):
    # Incidents at or above this severity run pre-approved playbooks without waiting for a human.
    auto_approve_from: Severity = Severity.CRITICAL
    approval_timeout_seconds: int = Field(default=900, ge=60, le=86_400)
    # Blast radius: above these a run waits for approval even when severity is auto-approved.
    max_customers_per_run: int = Field(default=10_000, ge=1)
    max_tokens_per_run: int = Field(default=10, ge=1)
    max_integrations_per_run: int = Field(default=5, ge=1)
    # Components contained from a severity up, on top of the detection rule's: escalating an incident
    # to that severity contains them too (docs/containment.md, "What a severity adds").
    severity_components: dict[Severity, tuple[str, ...]] = Field(default_factory=dict)
    # Approval escalation: each stage waits ApprovalTimeoutSeconds; when the last one times out,
    # incidents at or above `proceed_on_timeout_from` are contained anyway, the rest stop.
    escalation: tuple[EscalationStage, ...] = Field(
        default=(EscalationStage(name="on-call"), EscalationStage(name="security-lead")), min_length=1
    )
    proceed_on_timeout_from: Severity = Severity.HIGH
    # Signed approval links: the deployed API's base URL and the HMAC key's secret id.
    approval_link_base_url: HttpUrl | None = None
    approval_link_secret_id: str | None = None
    # Customer notices wait for a person of these roles to read and approve them (docs/notices.md).
    notice_review: NoticeReviewPolicy = NoticeReviewPolicy()


class IngestPolicy(Message):
    # Shopify retries a failed delivery for 4 hours: anything triggered longer ago is a replay.
    replay_window_seconds: int = Field(default=5 * 3600, ge=300, le=7 * 86_400)
    max_clock_skew_seconds: int = Field(default=300, ge=0, le=3600)
    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=6_000_000)


class NoticeSettings(Message):
    """Customer notice delivery: SES sender and configuration set, SMS pacing, the drill sink."""

    sender: str = Field(default="security-notices@bulkhead.invalid", pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    configuration_set: str = Field(default="bulkhead-notices", min_length=1, max_length=64)
    # Drills and sandbox stores send here, never to a customer: the SES mailbox simulator by default.
    drill_sink_email: str = Field(default="success@simulator.amazonses.com", pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    drill_sink_phone: str | None = Field(default=None, pattern=r"^\+[1-9][0-9]{7,14}$")
    sms_max_rate: float = Field(default=1.0, gt=0, le=1000, description="SMS/s of the origination number")
    sms_part_price_usd: float = Field(default=0.01, gt=0, description="one SMS part, to respect the spend limit")
    # HMAC key of the customer pseudonyms (exactly-once keys, ledger counts): a Secrets Manager id.
    pseudonym_key_secret_id: str = Field(default="bulkhead/pseudonym-key", min_length=1)


class ResponseSlas(Message):
    """The firm's own targets, from awareness: drills are scored against these and the legal clocks."""

    detect_seconds: float = Field(default=300, gt=0, le=86_400)
    contain_seconds: float = Field(default=900, gt=0, le=86_400)
    notify_seconds: float = Field(default=3600, gt=0, le=604_800)


class DrillSchedule(Message):
    """The monthly scheduled drill in AWS (StartScheduledDrill): which sandbox store, which scenario."""

    enabled: bool = False
    store_id: Slug | None = None
    scenario: Slug | None = Field(default=None, description="a scenario name of functions/drills/scenarios/")

    @model_validator(mode="after")
    def _named_when_enabled(self) -> "DrillSchedule":
        if self.enabled and (self.store_id is None or self.scenario is None):
            raise ValueError("an enabled scheduled drill needs store_id and scenario")
        return self


class Person(Message):
    name: str = Field(min_length=1, max_length=128)
    contact: str = Field(min_length=3, max_length=200, description="e-mail address or phone number")
    # The roster id an approval link is bound to and `--as` names; default: the name as a slug.
    id: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9.-]{0,62}$")

    @property
    def person_id(self) -> str:
        return self.id or (re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-") or "person")


class RoleConfig(Message):
    role: Role
    people: tuple[Person, ...] = Field(min_length=1, description="first: the one tasks go to; then the backups")


class FirmConfig(Message):
    firm_name: str = Field(min_length=1)
    contact_point: str = Field(min_length=1, description="DPO or contact point named in notices")
    # US notices (Reg S-P 248.30(a)(4)(iv)(F)) name a telephone number and a postal address.
    contact_phone: str | None = Field(default=None, min_length=5, max_length=40)
    postal_address: str | None = Field(default=None, min_length=5, max_length=300)
    # The Legal Entity Identifier the DORA initial notification asks for.
    lei: str | None = Field(default=None, pattern=r"^[A-Z0-9]{18}[0-9]{2}$")
    # Languages the firm writes notices in; a customer whose language is not one of these gets the
    # store's default language.
    languages: tuple[str, ...] = Field(default=LANGUAGES, min_length=1)
    stores: tuple[StoreConfig, ...] = Field(min_length=1)
    regulators: tuple[RegulatorConfig, ...] = ()
    policy: ResponsePolicy = ResponsePolicy()
    ingest: IngestPolicy = IngestPolicy()
    notices: NoticeSettings = NoticeSettings()
    slas: ResponseSlas = ResponseSlas()
    # Containment blocks a finding's remote addresses in this WAFv2 IP set, which a block rule of the
    # firm's web ACL references: `<REGIONAL|CLOUDFRONT>/<name>/<id>`; the name starts `bulkhead-`
    # (the only IP sets the deployed role may update). Unset: blocking is a recorded manual task.
    waf_ip_set: str | None = Field(
        default=None, pattern=r"^(REGIONAL|CLOUDFRONT)/bulkhead-[A-Za-z0-9_-]{1,119}/[0-9a-f-]{36}$"
    )
    # The monthly scheduled drill (AWS); off unless configured.
    drills: DrillSchedule = DrillSchedule()
    # The people who run an incident, per role; none configured: tasks name the role only.
    roles: tuple[RoleConfig, ...] = ()

    def people(self, role: Role) -> tuple[Person, ...]:
        return next((r.people for r in self.roles if r.role is role), ())

    def person(self, person_id: str) -> tuple[Person, Role] | None:
        """The roster person of this id, and their first role; None if the roster has no such person."""
        return next(((p, r.role) for r in self.roles for p in r.people if p.person_id == person_id), None)

    @model_validator(mode="after")
    def _roster_ids(self) -> "FirmConfig":
        seen: dict[str, str] = {}
        for r in self.roles:
            for p in r.people:
                if seen.setdefault(p.person_id, p.name) != p.name:
                    raise ValueError(f"roles: {p.person_id!r} names two people; give one of them an `id`")
        return self

    @model_validator(mode="after")
    def _reviewers_on_the_roster(self) -> "FirmConfig":
        if not self.roles:
            return self  # no roster at all: pages go to the role's on-call subscription, the CLI decides
        # A reviewer role without people is passed over; a severity nobody on the roster reviews is an error.
        for severity, roles in self.policy.notice_review.reviewers.items():
            if not any(self.people(role) for role in roles):
                named = ", ".join(r.value for r in roles)
                raise ValueError(f"policy.notice_review.reviewers.{severity.value}: no people in roles for {named}")
        for n, stage in enumerate(self.policy.escalation):
            if stage.role is not None and not self.people(stage.role):
                raise ValueError(f"policy.escalation.{n}.role: role {stage.role.value!r} has no people in roles")
        return self

    @model_validator(mode="after")
    def _drills_on_a_sandbox(self) -> "FirmConfig":
        wanted = self.drills.store_id
        if self.drills.enabled and not any(s.store_id == wanted and s.sandbox for s in self.stores):
            raise ValueError(f"drills.store_id {wanted!r} must be a configured sandbox store")
        return self

    @model_validator(mode="after")
    def _known_languages(self) -> "FirmConfig":
        unknown = [lang for lang in self.languages if lang not in LANGUAGES]
        if unknown:
            raise ValueError(f"languages: {unknown[0]!r} is not one of {', '.join(LANGUAGES)}")
        return self

    def authority(self, regime: Regime, store_id: str | None = None) -> str | None:
        """The competent authority for `regime`: the store's own, else the firm-wide regulator's."""
        if store_id is not None:
            own = next((s.authorities.get(regime) for s in self.stores if s.store_id == store_id), None)
            if own:
                return own
        return next((r.authority for r in self.regulators if r.regime is regime), None)

    def authorised(self, regime: Regime) -> bool:
        """The firm answers to this regime (a `regulators` entry names it)."""
        return any(r.regime is regime for r in self.regulators)

    @model_validator(mode="after")
    def _unique_stores(self) -> "FirmConfig":
        seen: set[str] = set()
        for store in self.stores:
            for key in (store.store_id, store.shop_domain):
                if key in seen:
                    raise ValueError(f"store {key!r} is configured twice")
                seen.add(key)
        return self

    def store(self, store_id: str) -> StoreConfig:
        for store in self.stores:
            if store.store_id == store_id:
                return store
        raise ConfigurationError(f"unknown store {store_id!r}")

    def store_for_domain(self, shop_domain: str) -> StoreConfig | None:
        wanted = shop_domain.lower()
        return next((s for s in self.stores if s.shop_domain == wanted), None)


def parse_config(text: str, origin: str = "configuration") -> FirmConfig:
    """Parse and validate; the error names each bad field by its path."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"{origin}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    try:
        return FirmConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigurationError(f"{origin}: {problems}") from exc


_parsed: dict[tuple[str, str], FirmConfig] = {}
# Caches of fetched text (Powertools Parameters' in functions/common/wiring.py) register here, so
# `forget_config` drops the text with the parsed configuration.
_forget_hooks: list[Callable[[], None]] = []


def load_config(parameter_name: str, fetch: Callable[[str], str]) -> FirmConfig:
    """The firm configuration from `fetch` (which caches), parsed once per distinct text."""
    text = fetch(parameter_name)
    key = (parameter_name, text)
    if key not in _parsed:
        _parsed.clear()  # only the current text is worth keeping
        _parsed[key] = parse_config(text, origin=f"parameter {parameter_name}")
    return _parsed[key]


def on_forget(hook: Callable[[], None]) -> None:
    if hook not in _forget_hooks:
        _forget_hooks.append(hook)


def forget_config() -> None:
    """Drop the parsed configuration and any cached text (tests, the local fabric after an edit)."""
    _parsed.clear()
    for hook in _forget_hooks:
        hook()
