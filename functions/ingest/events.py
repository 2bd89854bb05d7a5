"""Signals that arrive as EventBridge events: Shopify's partner event source and AWS security findings.

Neither is signed. A Shopify event is trusted because it came from a partner event source, and
only if that source is the one configured for the shop its metadata names. AWS findings come from
AWS itself on the account's default bus; they belong to the store whose bucket or account they name.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from functions.common.config import FirmConfig, Severity, StoreConfig
from functions.ingest import shopify
from functions.ingest.errors import Rejected
from functions.ingest.models import DataCategory, Signal, SignalSource
from functions.ingest.normal import canonical_sha256, mapping, parse_time, subjects, text

SHOPIFY_PARTNER_PREFIX = "aws.partner/shopify.com/"
FINDING_SOURCES: Mapping[tuple[str, str], SignalSource] = {
    ("aws.guardduty", "GuardDuty Finding"): SignalSource.AWS_GUARDDUTY,
    ("aws.macie", "Macie Finding"): SignalSource.AWS_MACIE,
    ("aws.securityhub", "Security Hub Findings - Imported"): SignalSource.AWS_SECURITYHUB,
}
_MACIE_CATEGORIES: Mapping[str, tuple[DataCategory, ...]] = {
    "PERSONAL_INFORMATION": (DataCategory.CONTACT, DataCategory.IDENTITY),
    "FINANCIAL_INFORMATION": (DataCategory.FINANCIAL_ACCOUNT,),
    "CREDENTIALS": (DataCategory.CREDENTIALS,),
}


def accept_event(event: Mapping[str, Any], config: FirmConfig, now: datetime) -> Signal:
    source = event.get("source")
    if not isinstance(source, str) or not isinstance(event.get("detail"), dict):
        raise Rejected(400, "not an EventBridge event with a detail object")
    if source.startswith(SHOPIFY_PARTNER_PREFIX):
        return shopify_event(event, config, now)
    kind = FINDING_SOURCES.get((source, str(event.get("detail-type"))))
    if kind is None:
        raise Rejected(422, f"events from {source[:64]!r} are not signals Bulkhead reads")
    return finding(kind, event, config, now)


def shopify_event(event: Mapping[str, Any], config: FirmConfig, now: datetime) -> Signal:
    """A Shopify delivery through the partner event source: `detail.payload` is the topic's payload,
    `detail.metadata` its delivery headers. Deduplicated by the webhook id, as HTTPS deliveries."""
    detail = event["detail"]
    metadata = {str(k).lower(): str(v) for k, v in mapping(detail.get("metadata")).items()}
    payload = detail.get("payload")
    if not isinstance(payload, dict):
        raise Rejected(400, "detail.payload is not an object")
    domain = metadata.get("x-shopify-shop-domain", "")
    store = config.store_for_domain(domain)
    if store is None or not store.partner_event_source_arn:
        raise Rejected(403, "unknown shop domain, or no partner event source configured for it")
    if not store.partner_event_source_arn.endswith(f":event-source/{event['source']}"):
        raise Rejected(403, "event source is not the partner event source configured for this shop")
    topic = metadata.get("x-shopify-topic", "")
    if topic not in shopify.TOPIC_CATEGORIES:
        raise Rejected(422, f"topic {topic[:64]!r} is not one Bulkhead subscribes to")
    webhook_id = metadata.get("x-shopify-webhook-id")
    if not webhook_id:
        raise Rejected(400, "detail.metadata has no X-Shopify-Webhook-Id")
    triggered = metadata.get("x-shopify-triggered-at")
    observed = parse_time(triggered, "X-Shopify-Triggered-At") if triggered else _event_time(event, now)
    return shopify.from_payload(
        SignalSource.SHOPIFY_EVENTBRIDGE,
        topic,
        webhook_id,
        payload,
        store,
        observed,
        now,
        canonical_sha256(detail),
        shop_domain=domain,
    )


def finding(kind: SignalSource, event: Mapping[str, Any], config: FirmConfig, now: datetime) -> Signal:
    """A finding as AWS documents it (tests/events/aws/: the envelopes, GetFindings, ASFF, Macie's
    Finding): every field read here is one the documented syntax has, which a test checks."""
    envelope = _envelope(event)
    detail = event["detail"]
    known = frozenset(b for s in config.stores for b in s.customer_data_buckets)
    product: dict[str, str] = {}
    if kind is SignalSource.AWS_SECURITYHUB:
        findings = detail.get("findings")
        if not isinstance(findings, list) or not findings or not isinstance(findings[0], dict):
            raise Rejected(400, "detail.findings holds no finding")
        facts = _securityhub(findings[0], known)
        product = _product(findings[0])
    elif kind is SignalSource.AWS_MACIE:
        facts = _macie(detail)
    else:
        facts = _guardduty(detail, known)
    finding_id, finding_type, account, bucket, updated, severity, categories = facts
    store = _store_for(config, account, bucket)
    return Signal(
        signal_id=f"{kind.value}:{finding_id}:{updated}"[:256],
        source=kind,
        store_id=store.store_id,
        topic=f"{kind.value.removeprefix('aws.')}/{finding_type}"[:128],
        actor=f"aws-account:{account}",
        subject_ids=subjects(*([f"s3:{bucket}"] if bucket else []), *_containable(kind, detail)),
        data_categories=categories,
        observed_at=parse_time(updated, "finding updated time"),
        received_at=now,
        raw_sha256=canonical_sha256(detail),
        attributes={
            **envelope,
            "finding_type": finding_type[:128],
            "bucket": bucket[:128],
            "customer_data_bucket": str(bool(bucket) and bucket in store.customer_data_buckets).lower(),
            "secrets": str(sum(1 for s in _containable(kind, detail) if s.startswith("secret:"))),
            **product,
        },
        severity_hint=severity,
    )


Facts = tuple[str, str, str, str, str, Severity | None, tuple[DataCategory, ...]]
_REMOTE_ACTIONS = ("awsApiCallAction", "networkConnectionAction", "kubernetesApiCallAction", "rdsLoginAttemptAction")


def _containable(kind: SignalSource, detail: Mapping[str, Any]) -> list[str]:
    """What containment can act on besides the bucket: GuardDuty's remote addresses (`ip:`, blocked
    in the firm's WAF IP set) and the Secrets Manager secrets a Security Hub finding names (`secret:`)."""
    if kind is SignalSource.AWS_GUARDDUTY:
        action = mapping(mapping(detail.get("service")).get("action"))
        details = [mapping(action.get(name)).get("remoteIpDetails") for name in _REMOTE_ACTIONS]
        probes = mapping(action.get("portProbeAction")).get("portProbeDetails") or []
        details += [mapping(p).get("remoteIpDetails") for p in probes]
        addresses = [mapping(d).get("ipAddressV4") or mapping(d).get("ipAddressV6") for d in details]
        return [f"ip:{a}" for a in addresses if isinstance(a, str) and 0 < len(a) <= 45]
    if kind is SignalSource.AWS_SECURITYHUB:
        found = detail.get("findings") or [{}]
        resources = mapping(found[0]).get("Resources") or []
        return [
            f"secret:{r['Id']}"[:512]
            for r in resources
            if isinstance(r, dict) and r.get("Type") == "AwsSecretsManagerSecret" and isinstance(r.get("Id"), str)
        ]
    return []


def _envelope(event: Mapping[str, Any]) -> dict[str, str]:
    """The envelope EventBridge gives every AWS event (id, account, Region, time), kept as the trail
    back to the event. The account is the one whose bus received it (a delegated administrator's, for
    a member's finding): the store is found from the finding, never from the envelope."""
    return {
        "event_id": text(event.get("id"), "event id", 128),
        "event_account": text(event.get("account"), "event account", 12),
        "region": text(event.get("region"), "event region", 32),
        "event_time": parse_time(event.get("time"), "event time").isoformat(),
    }


def _product(item: Mapping[str, Any]) -> dict[str, str]:
    """Which product a Security Hub finding comes from: `company-id/product-id` of its `ProductArn`
    (`arn:partition:securityhub:region:account-id:product/company-id/product-id`, a required
    attribute). GuardDuty's and Macie's own findings reach Bulkhead from those services too."""
    arn = item.get("ProductArn")
    found = arn.partition(":product/")[2] if isinstance(arn, str) else ""
    return {"product": found[:128]} if found.isprintable() and found else {}


def _bucket(names: list[object], known: frozenset[str]) -> str:
    """Of the buckets a finding names, a configured customer-data bucket first, else the first one."""
    named = [n for n in names if isinstance(n, str) and n]
    return next((n for n in named if n in known), named[0] if named else "")


def _guardduty(detail: Mapping[str, Any], known: frozenset[str]) -> Facts:
    resource = mapping(detail.get("resource"))
    details = resource.get("s3BucketDetails")
    bucket = (
        _bucket([mapping(b).get("name") for b in details if isinstance(b, dict)], known)
        if isinstance(details, list)
        else ""
    )
    score = detail.get("severity")
    severity = _scored(float(score)) if isinstance(score, int | float) else None
    categories = (DataCategory.CONTACT, DataCategory.IDENTITY) if bucket else (DataCategory.CREDENTIALS,)
    return _finding(detail, str(bucket), severity, categories)


def _macie(detail: Mapping[str, Any]) -> Facts:
    bucket = mapping(mapping(detail.get("resourcesAffected")).get("s3Bucket")).get("name", "")
    severity = mapping(detail.get("severity")).get("description")
    result = mapping(mapping(detail.get("classificationDetails")).get("result"))
    categories: list[DataCategory] = []
    for item in result.get("sensitiveData") or []:
        if isinstance(item, dict):
            categories.extend(_MACIE_CATEGORIES.get(str(item.get("category")), ()))
    named = tuple(dict.fromkeys(categories)) or _unnamed_data(str(detail.get("type")), str(bucket))
    return _finding(detail, str(bucket), _labelled(severity), named)


def _finding(
    detail: Mapping[str, Any], bucket: str, severity: Severity | None, categories: tuple[DataCategory, ...]
) -> Facts:
    """GuardDuty and Macie name a finding alike in the event's detail: its id, type, account and time."""
    return (
        text(detail.get("id"), "detail.id"),
        text(detail.get("type"), "detail.type", 128),
        text(detail.get("accountId"), "detail.accountId", 12),
        bucket,
        text(detail.get("updatedAt"), "detail.updatedAt", 40),
        severity,
        categories,
    )


def _unnamed_data(finding_type: str, bucket: str) -> tuple[DataCategory, ...]:
    """A Macie finding that names no category: a sensitive data finding found personal data of some
    kind; a policy finding reports a bucket's setting, which exposes what the bucket holds (customer
    records, as for GuardDuty and Security Hub findings on a bucket) or, without a bucket, nothing."""
    if finding_type.startswith("SensitiveData:"):
        return (DataCategory.CONTACT,)
    return (DataCategory.CONTACT, DataCategory.IDENTITY) if bucket else ()


def _securityhub(item: Mapping[str, Any], known: frozenset[str]) -> Facts:
    buckets: list[object] = []
    for resource in item.get("Resources") or []:
        if isinstance(resource, dict) and resource.get("Type") == "AwsS3Bucket":
            buckets.append(str(resource.get("Id", "")).removeprefix("arn:aws:s3:::"))
    bucket = _bucket(buckets, known)
    types = item.get("Types") or ["Unknown"]
    severity = mapping(item.get("Severity")).get("Label")
    return (
        text(item.get("Id"), "findings[0].Id", 512).rsplit("/", 1)[-1],
        str(types[0])[:128],
        text(item.get("AwsAccountId"), "findings[0].AwsAccountId", 12),
        bucket,
        text(item.get("UpdatedAt"), "findings[0].UpdatedAt", 40),
        _labelled(severity),
        (DataCategory.CONTACT, DataCategory.IDENTITY) if bucket else (DataCategory.CREDENTIALS,),
    )


def _store_for(config: FirmConfig, account: str, bucket: str) -> StoreConfig:
    if bucket:
        for store in config.stores:
            if bucket in store.customer_data_buckets:
                return store
    owners = [s for s in config.stores if account in s.aws_account_ids]
    if len(owners) != 1:
        raise Rejected(422, "finding names no configured bucket, and its account is not one store's")
    return owners[0]


def _scored(score: float) -> Severity:
    """GuardDuty's 1-10 scale: 9+ critical, 7+ high, 4+ medium."""
    for floor, severity in ((9.0, Severity.CRITICAL), (7.0, Severity.HIGH), (4.0, Severity.MEDIUM)):
        if score >= floor:
            return severity
    return Severity.LOW


def _labelled(label: object) -> Severity | None:
    try:
        return Severity(str(label).lower())
    except ValueError:
        return None


def _event_time(event: Mapping[str, Any], now: datetime) -> datetime:
    return parse_time(event["time"], "time") if event.get("time") else now
