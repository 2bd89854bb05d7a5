"""AWS findings read as AWS documents them, and nothing AWS does not document.

AWS publishes no complete finding event to copy: the EventBridge envelopes come with a placeholder
where the finding goes, the findings themselves only as syntax (field names with type names), and the
one concrete Macie event (EventBridge User Guide) is printed truncated. Those texts are kept verbatim
in tests/events/aws/ (tests/events/SOURCES.md). The tests here fill in only the documented
placeholder, close the truncated event minimally (each addition named), and check that every field
path a parser reads is one the documented syntax has.
"""

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from functions.common.config import Severity
from functions.detection.domain import detect
from functions.ingest import events
from functions.ingest.errors import Rejected
from functions.ingest.models import Signal, SignalSource
from tests.unit.test_detection_rules import CONFIG, NOW, CountingBus, deps

AWS = Path("tests/events/aws")
GUARDDUTY_FORMAT = (AWS / "guardduty_finding_event_format.txt").read_text()
GUARDDUTY_SYNTAX = (AWS / "guardduty_get_findings_response_syntax.txt").read_text()
SECURITYHUB_FORMAT = (AWS / "securityhub_findings_imported_event_format.txt").read_text()
ASFF_REQUIRED = (AWS / "securityhub_asff_required_attributes.md").read_text()
MACIE_TRUNCATED = (AWS / "macie_finding_event_truncated.txt").read_text()
MACIE_SCHEMA = (AWS / "macie_get_findings_response_schema.txt").read_text()
GUARDDUTY_PLACEHOLDER = "GUARDDUTY_FINDING_JSON_OBJECT"
SECURITYHUB_PLACEHOLDER = "<finding content>"
ENVELOPE_FIELDS = ("version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail")


def drill_fixture(name: str) -> dict[str, Any]:
    """Bulkhead's own drill fixtures (not AWS samples): a finding detail built from the documented syntax."""
    return dict(json.loads((AWS / name).read_text()))


# --- Field paths in a documented syntax ---------------------------------------------------------

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')


def _code(text: str) -> str:
    """The fenced code blocks of a Markdown page (the page's prose quotes words that are no fields)."""
    return "\n".join(re.findall(r"```\n(.*?)```", text, flags=re.DOTALL)) if "```" in text else text


def documented_paths(text: str) -> set[str]:
    """Every key path in a JSON-like syntax text: `a.b[].c`. Type names (`number`, `enum`),
    placeholders, elisions and the pages' small slips (a missing comma) are read past, not fixed."""
    tokens = _TOKEN.findall(_code(text))
    paths: set[str] = set()
    frames: list[tuple[str, str]] = []  # (kind, path): "{" or "["
    key: str | None = None
    for at, token in enumerate(tokens):
        here = frames[-1][1] if frames else ""
        if token.startswith('"'):
            if at + 1 < len(tokens) and tokens[at + 1] == ":":
                key = f"{here}.{token[1:-1]}".lstrip(".")
                paths.add(key)
            else:
                key = None
        elif token in "{[":
            inside_array = bool(frames) and frames[-1][0] == "["
            frames.append((token, key if key is not None else f"{here}[]" if inside_array else here))
            key = None
        elif token in "}]":
            if frames:
                frames.pop()
            key = None
        elif token != ":":
            key = None
    return paths


def finding_paths(syntax: str, prefix: str) -> set[str]:
    """The paths of the syntax's `findings[]` items, under `prefix` (where the event puts a finding)."""
    return {
        f"{prefix}.{p.removeprefix('findings[].')}" for p in documented_paths(syntax) if p.startswith("findings[].")
    }


GUARDDUTY_DOCUMENTED = documented_paths(GUARDDUTY_FORMAT) | finding_paths(GUARDDUTY_SYNTAX, "detail")
MACIE_DOCUMENTED = documented_paths(MACIE_TRUNCATED) | finding_paths(MACIE_SCHEMA, "detail")
SECURITYHUB_DOCUMENTED = documented_paths(SECURITYHUB_FORMAT) | {
    f"detail.findings[].{p}" for p in documented_paths(ASFF_REQUIRED)
}


# --- What a parser reads ------------------------------------------------------------------------


class Probe(dict[str, Any]):
    """A JSON object that records the path of every field read from it (present or not)."""

    def __init__(self, value: dict[str, Any], path: str, reads: set[str]) -> None:
        super().__init__(value)
        self.path, self.reads = path, reads

    def _read(self, key: str, value: Any) -> Any:
        path = f"{self.path}.{key}".lstrip(".")
        self.reads.add(path)
        return probed(value, path, self.reads)

    def get(self, key: str, default: Any = None) -> Any:
        return self._read(key, super().get(key, default))

    def __getitem__(self, key: str) -> Any:
        return self._read(key, super().__getitem__(key))


class ProbeList(list[Any]):
    def __init__(self, value: list[Any], path: str, reads: set[str]) -> None:
        super().__init__(value)
        self.path, self.reads = path, reads

    def __getitem__(self, index: Any) -> Any:
        return probed(super().__getitem__(index), f"{self.path}[]", self.reads)

    def __iter__(self) -> Iterator[Any]:
        return (probed(item, f"{self.path}[]", self.reads) for item in list.__iter__(self))


def probed(value: Any, path: str, reads: set[str]) -> Any:
    if isinstance(value, dict) and not isinstance(value, Probe):
        return Probe(value, path, reads)
    if isinstance(value, list) and not isinstance(value, ProbeList):
        return ProbeList(value, path, reads)
    return value


def read_paths(event: dict[str, Any]) -> tuple[Signal, set[str]]:
    reads: set[str] = set()
    signal = events.accept_event(Probe(event, "", reads), CONFIG, NOW)
    return signal, reads


def syntax_instance(syntax: str) -> dict[str, Any]:
    """One finding with every documented field present: the syntax with each type name made a value,
    so a parser takes every branch it has."""
    body = syntax[syntax.index("{") :].replace('"string" : ', '"key": ')
    body = re.sub(r"(?<=[:\[ ])(number|integer)(?=[,\s\]])", "1", body)
    body = re.sub(r"(?<=[:\[ ])boolean(?=[,\s\]])", "false", body)
    body = re.sub(r"(?<=[:\[ ])enum(?=[,\s\]])", '"enum"', body)
    return dict(json.loads(body)["findings"][0])


def merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


@pytest.mark.parametrize(
    ("fixture", "syntax", "documented"),
    [
        ("guardduty_s3_exfiltration.json", GUARDDUTY_SYNTAX, GUARDDUTY_DOCUMENTED),
        ("macie_sensitive_data.json", MACIE_SCHEMA, MACIE_DOCUMENTED),
        ("securityhub_finding.json", None, SECURITYHUB_DOCUMENTED),
    ],
)
def test_every_field_a_finding_parser_reads_is_in_the_documented_syntax(
    fixture: str, syntax: str | None, documented: set[str]
) -> None:
    # Given a finding with every documented field present (the drill fixture's values on top)
    event = drill_fixture(fixture)
    if syntax is not None:
        event["detail"] = merged(syntax_instance(syntax), event["detail"])
    # When the parser reads it
    signal, reads = read_paths(event)
    # Then it read no field the documentation does not have
    assert signal.store_id == "acme-eu"
    assert reads - documented == set(), f"read but not documented: {sorted(reads - documented)}"
    assert {"source", "detail-type", "id", "account", "region", "time"} <= reads


def test_the_paths_the_parsers_depend_on_are_read_and_documented() -> None:
    _, guardduty = read_paths(drill_fixture("guardduty_s3_exfiltration.json"))
    _, macie = read_paths(drill_fixture("macie_sensitive_data.json"))
    _, hub = read_paths(drill_fixture("securityhub_finding.json"))
    assert {"detail.resource.s3BucketDetails[].name", "detail.severity", "detail.updatedAt"} <= guardduty
    assert {
        "detail.resourcesAffected.s3Bucket.name",
        "detail.classificationDetails.result.sensitiveData[].category",
        "detail.severity.description",
    } <= macie
    assert {"detail.findings[].Resources[].Type", "detail.findings[].Resources[].Id"} <= hub
    assert {"detail.findings[].Severity.Label", "detail.findings[].Types"} <= hub


@pytest.mark.parametrize(
    ("invented", "documented"),
    [
        ("detail.resource.s3BucketDetails[].bucketName", GUARDDUTY_DOCUMENTED),
        ("detail.severity.label", GUARDDUTY_DOCUMENTED),
        ("detail.resourcesAffected.s3Bucket.bucketName", MACIE_DOCUMENTED),
        ("detail.findings[].Resources[].Name", SECURITYHUB_DOCUMENTED),
        ("detail.findings[].Severity.Normalized", SECURITYHUB_DOCUMENTED),  # named in prose, in no example
    ],
)
def test_an_invented_field_is_not_in_the_documented_syntax(invented: str, documented: set[str]) -> None:
    assert invented not in documented


@pytest.mark.parametrize(
    ("fixture", "documented"),
    [
        ("guardduty_s3_exfiltration.json", GUARDDUTY_DOCUMENTED),
        ("macie_sensitive_data.json", MACIE_DOCUMENTED),
        ("securityhub_finding.json", SECURITYHUB_DOCUMENTED),
    ],
)
def test_the_drill_fixtures_hold_only_documented_fields(fixture: str, documented: set[str]) -> None:
    held = documented_paths(json.dumps(drill_fixture(fixture)))
    assert held - documented == set(), f"not documented: {sorted(held - documented)}"


# --- The documented envelopes, with only the placeholder filled in ------------------------------


def filled(text: str, placeholder: str, finding: dict[str, Any]) -> dict[str, Any]:
    """The documented text with its placeholder replaced by a finding's fields; nothing else changed."""
    assert text.count(placeholder) == 1
    return dict(json.loads(text.replace(placeholder, json.dumps(finding)[1:-1])))


def test_the_documented_guardduty_envelope_is_read_as_documented() -> None:
    # Given the documented event format, the finding object in place of its placeholder
    detail = drill_fixture("guardduty_s3_exfiltration.json")["detail"]
    event = filled(GUARDDUTY_FORMAT, GUARDDUTY_PLACEHOLDER, detail)
    assert tuple(event) == ENVELOPE_FIELDS and event["detail"] == detail
    # When ingest reads it
    signal = events.accept_event(event, CONFIG, NOW)
    # Then the envelope's source and detail-type route it, and its id, account, region and time are kept
    assert (signal.source, signal.topic, signal.store_id) == (
        SignalSource.AWS_GUARDDUTY,
        "guardduty/Exfiltration:S3/AnomalousBehavior",
        "acme-eu",
    )
    assert {k: signal.attributes[k] for k in ("event_id", "event_account", "region", "event_time")} == {
        "event_id": "cd2d702e-ab31-411b-9344-793ce56b1bc7",
        "event_account": "111122223333",
        "region": "us-east-1",
        "event_time": "1970-01-01T00:00:00+00:00",
    }
    assert signal.actor == f"aws-account:{detail['accountId']}"  # the finding's account, not the bus's


def test_the_documented_security_hub_envelope_is_read_as_documented() -> None:
    finding = drill_fixture("securityhub_finding.json")["detail"]["findings"][0]
    event = filled(SECURITYHUB_FORMAT, SECURITYHUB_PLACEHOLDER, finding)
    assert tuple(event) == ENVELOPE_FIELDS and event["detail"] == {"findings": [finding]}
    signal = events.accept_event(event, CONFIG, NOW)
    assert (signal.source, signal.severity_hint, signal.store_id) == (
        SignalSource.AWS_SECURITYHUB,
        Severity.HIGH,
        "acme-eu",
    )
    assert {k: signal.attributes[k] for k in ("event_id", "event_account", "region", "event_time")} == {
        "event_id": "CWE-event-id",
        "event_account": "111122223333",
        "region": "us-west-2",
        "event_time": "2019-04-11T21:52:17+00:00",
    }


@pytest.mark.parametrize("field", ["id", "account", "region", "time"])
def test_an_event_without_a_documented_envelope_field_is_refused_naming_it(field: str) -> None:
    event = filled(GUARDDUTY_FORMAT, GUARDDUTY_PLACEHOLDER, drill_fixture("guardduty_s3_exfiltration.json")["detail"])
    del event[field]
    with pytest.raises(Rejected) as refused:
        events.accept_event(event, CONFIG, NOW)
    assert (refused.value.status, f"event {field}" in refused.value.reason) == (400, True), refused.value.reason


# --- The truncated Macie event ------------------------------------------------------------------


def closed_macie_event() -> dict[str, Any]:
    """AWS's truncated Macie event, closed with as little as parses:
    1. the three `.` lines (AWS's elision) removed;
    2. the comma after `"count": 2`, which led into the elided fields, removed;
    3. `}` and `}` appended, closing `detail` and the event;
    4. read with `strict=False`: the page wraps `description` across two lines inside the string,
       a raw line break that strict JSON refuses (an event on the wire carries it escaped)."""
    text = MACIE_TRUNCATED
    assert text.endswith(".\n.\n.\n")
    text = text.removesuffix(".\n.\n.\n").rstrip()
    assert text.endswith('"count": 2,')
    text = text.removesuffix(",") + "\n  }\n}\n"
    return dict(json.loads(text, strict=False))


def test_the_truncated_macie_event_closed_minimally_parses_as_documented() -> None:
    event = closed_macie_event()
    assert tuple(event) == ENVELOPE_FIELDS
    signal = events.accept_event(event, CONFIG, NOW)
    assert (signal.source, signal.topic, signal.severity_hint) == (
        SignalSource.AWS_MACIE,
        "macie/Policy:IAMUser/S3BucketEncryptionDisabled",
        Severity.LOW,
    )
    # The truncation cut `resourcesAffected`: the store is the one that owns the account (123456789012)
    assert (signal.store_id, signal.attributes["bucket"], signal.attributes["customer_data_bucket"]) == (
        "acme-eu",
        "",
        "false",
    )
    assert signal.attributes["event_id"] == "0948ba87-d3b8-c6d4-f2da-732a1example"
    assert signal.data_categories == ()  # a policy finding reports a setting, not data it found


def test_a_low_encryption_disabled_finding_drives_no_incident_even_on_a_customer_export_bucket() -> None:
    # Given the documented Macie policy finding, as printed and then naming the customer-export bucket
    as_printed = events.accept_event(closed_macie_event(), CONFIG, NOW)
    on_exports = closed_macie_event()
    on_exports["detail"]["resourcesAffected"] = {"s3Bucket": {"name": "acme-eu-customer-exports"}}
    on_bucket = events.accept_event(on_exports, CONFIG, NOW)
    assert on_bucket.attributes["customer_data_bucket"] == "true"
    # When detection reads them, then neither declares: encryption at rest being off exposes nothing
    bus = CountingBus()
    d, _ = deps(bus=bus)
    for signal in (as_printed, on_bucket):
        disposition = detect(signal, d)
        assert (disposition.outcome, disposition.rule_id) == ("ignored", None), disposition.reason
    assert bus.declared == []


@pytest.mark.parametrize(
    ("finding_type", "outcome"),
    [
        ("Policy:IAMUser/S3BucketPublic", "declared"),
        ("Policy:IAMUser/S3BucketSharedExternally", "declared"),
        ("Policy:IAMUser/S3BucketReplicatedExternally", "declared"),
        ("SensitiveData:S3Object/Personal", "declared"),
        ("Policy:IAMUser/S3BlockPublicAccessDisabled", "ignored"),
        ("Policy:IAMUser/S3BucketSharedWithCloudFront", "ignored"),
    ],
)
def test_macie_findings_on_a_customer_export_bucket_declare_only_when_they_expose_data(
    finding_type: str, outcome: str
) -> None:
    event = closed_macie_event()
    event["detail"] |= {"type": finding_type, "resourcesAffected": {"s3Bucket": {"name": "acme-eu-customer-exports"}}}
    d, _ = deps()
    disposition = detect(events.accept_event(event, CONFIG, NOW), d)
    expected_rule = "macie-customer-export-bucket" if outcome == "declared" else None
    assert (disposition.outcome, disposition.rule_id) == (outcome, expected_rule), disposition.reason


def test_a_guardduty_finding_naming_two_buckets_belongs_to_the_customer_data_bucket_it_names() -> None:
    # Given a finding whose first bucket is someone else's source, the second the store's exports
    event = drill_fixture("guardduty_s3_exfiltration.json")
    event["detail"]["resource"]["s3BucketDetails"] = [
        {"name": "partner-drop-zone", "type": "Source"},
        {"name": "acme-eu-customer-exports", "type": "Destination"},
    ]
    # When ingest reads it, then the customer-data bucket decides the store and the rule attribute
    signal = events.accept_event(event, CONFIG, NOW)
    assert (signal.store_id, signal.attributes["bucket"], signal.attributes["customer_data_bucket"]) == (
        "acme-eu",
        "acme-eu-customer-exports",
        "true",
    )


def test_the_macie_drill_scenario_sends_only_documented_fields() -> None:
    scenario = json.loads(Path("functions/drills/scenarios/macie-customer-exports.json").read_text())
    [signal] = scenario["signals"]
    held = {f"detail.{p}" for p in documented_paths(json.dumps(signal["detail"]))}
    assert (signal["source"], signal["detail_type"]) == ("aws.macie", "Macie Finding")
    assert held - MACIE_DOCUMENTED == set(), f"not documented: {sorted(held - MACIE_DOCUMENTED)}"


@pytest.mark.parametrize(
    ("product", "outcome", "rule"),
    [
        ("aws/macie", "ignored", None),  # Macie's own event reaches Bulkhead too (macie-customer-export-bucket)
        ("aws/guardduty", "ignored", None),  # likewise (guardduty-s3-exfiltration)
        ("aws/securityhub", "declared", "securityhub-high-finding"),  # a control finding only Security Hub sends
    ],
)
def test_a_security_hub_finding_imported_from_macie_or_guardduty_does_not_declare_a_second_time(
    product: str, outcome: str, rule: str | None
) -> None:
    # Given the documented envelope around a HIGH finding on the customer-export bucket, from `product`
    finding = drill_fixture("securityhub_finding.json")["detail"]["findings"][0]
    finding["ProductArn"] = f"arn:aws:securityhub:eu-west-1::product/{product}"
    signal = events.accept_event(filled(SECURITYHUB_FORMAT, SECURITYHUB_PLACEHOLDER, finding), CONFIG, NOW)
    assert (signal.attributes["product"], signal.attributes["customer_data_bucket"]) == (product, "true")
    # When detection reads it, then only a product Bulkhead does not hear from directly declares
    d, _ = deps()
    disposition = detect(signal, d)
    assert (disposition.outcome, disposition.rule_id) == (outcome, rule), disposition.reason
