"""`bulkhead ledger verify INCIDENT` and `bulkhead evidence export INCIDENT`, locally or against AWS.

Locally (the default) they open the local fabric's saved state (`.bulkhead/state/`, written by
`bulkhead drill`); with `--target aws` they read the deployed table, bucket and key with the
caller's AWS credentials (names from the options, or from the same settings the functions read).
"""

import collections
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from bulkhead.cli.identity import BY, acting
from bulkhead.cli.ids import INCIDENT
from bulkhead.cli.reach import STATE_DIR, Target
from functions.common.settings import Env

if TYPE_CHECKING:
    from bulkhead.evidence.dispositions import DayChain, SignalDispositions, WindowCount
    from bulkhead.evidence.pack import Documents
    from functions.ledger.adapters.dynamodb import DynamoLedgerStore
    from functions.ledger.adapters.kms import KmsHeadSigner
    from functions.ledger.adapters.s3 import S3AnchorStore
    from functions.ledger.models import Anchor, LedgerVerdict, SealedEntry

    Sources = tuple[DynamoLedgerStore, S3AnchorStore, KmsHeadSigner]

ledger_app = typer.Typer(
    help="Verify incident ledgers: the hash chain, the signed heads, the anchors.", no_args_is_help=True
)
evidence_app = typer.Typer(help="Export evidence packs for auditors.", no_args_is_help=True)
console = Console()

DEFAULT_KEY = "alias/bulkhead-ledger-signing"


@dataclass(frozen=True)
class Where:
    target: Target
    state_dir: Path | None
    table: str | None
    bucket: str | None
    key: str | None


TARGET = typer.Option(Target.LOCAL, "--target", help="local: the local fabric's saved state; aws: the deployed fabric.")
TABLE = typer.Option(None, "--table", help=f"Ledger table in AWS (default ${Env.LEDGER_TABLE.value}).")
BUCKET = typer.Option(None, "--bucket", help=f"Anchor bucket in AWS (default ${Env.LEDGER_ANCHOR_BUCKET.value}).")
KEY = typer.Option(
    None, "--key", help=f"Signing key id, ARN or alias (default ${Env.LEDGER_SIGNING_KEY.value} or {DEFAULT_KEY})."
)
EXPECT_KEY = typer.Option(
    None,
    "--expect-key-sha256",
    help="Pin the signing key: SHA-256 of its DER public key, obtained independently (aws kms get-public-key).",
)


@contextmanager
def _open(where: Where) -> "Iterator[Sources]":
    from functions.common.clients import client
    from functions.ledger.adapters.dynamodb import DynamoLedgerStore
    from functions.ledger.adapters.kms import KmsHeadSigner
    from functions.ledger.adapters.s3 import S3AnchorStore

    if where.target is Target.AWS:
        table = where.table or os.environ.get(Env.LEDGER_TABLE.value)
        bucket = where.bucket or os.environ.get(Env.LEDGER_ANCHOR_BUCKET.value)
        key = where.key or os.environ.get(Env.LEDGER_SIGNING_KEY.value) or DEFAULT_KEY
        missing = [name for name, value in (("--table", table), ("--bucket", bucket)) if not value]
        if missing:
            console.print(f"[red]missing:[/red] {', '.join(missing)} (or set the settings named in --help)")
            raise typer.Exit(2)
        yield (
            DynamoLedgerStore(client("dynamodb"), str(table)),
            S3AnchorStore(client("s3"), str(bucket)),
            KmsHeadSigner(client("kms"), key),
        )
        return
    from bulkhead.cli.local import fabric as local_service
    from bulkhead.local import paths
    from infra import fabric

    state_dir = where.state_dir or paths.DEFAULT_STATE_DIR
    if not (state_dir / "fabric.json").exists():
        console.print(f"[red]no local state[/red] in {state_dir}: run `bulkhead drill` first")
        raise typer.Exit(2)
    # The same readers as --target aws, pointed at the local service's endpoint: nothing is rewritten.
    with local_service(state_dir) as service:
        described = service.describe()
        yield (
            DynamoLedgerStore(client("dynamodb"), described["tables"]["Ledger"]),
            S3AnchorStore(client("s3"), described["buckets"]["LedgerAnchors"]),
            KmsHeadSigner(client("kms"), fabric.SIGNING_KEYS[0].alias),
        )


def _read(
    incident_id: str, sources: "Sources", expect_key_sha256: str | None = None
) -> "tuple[list[SealedEntry], list[Anchor], str, LedgerVerdict]":
    from functions.common.errors import BulkheadError
    from functions.ledger.domain import verify_ledger

    store, anchors, signer = sources
    try:
        entries = list(store.sealed(incident_id))
        found = anchors.anchors(incident_id)
        # The trusted key comes from the deployment (KMS), never from the data being verified.
        pem = signer.public_key_pem()
    except BulkheadError as exc:
        console.print(f"[red]cannot read the ledger or pin its signing key:[/red] {exc}")
        raise typer.Exit(2) from exc
    if not entries and not found:
        console.print(f"[red]unknown incident:[/red] no ledger entries and no signed heads for {incident_id!r}")
        raise typer.Exit(2)
    return entries, found, pem, verify_ledger(incident_id, entries, found, pem, expect_key_sha256)


@ledger_app.command("verify")
def verify(
    incident_id: str = INCIDENT,
    target: Target = TARGET,
    state_dir: Path | None = STATE_DIR,
    table: str | None = TABLE,
    bucket: str | None = BUCKET,
    key: str | None = KEY,
    expect_key_sha256: str | None = EXPECT_KEY,
) -> None:
    """Recompute the chain, check every signed head and anchor; name the first bad entry."""
    with _open(Where(target, state_dir, table, bucket, key)) as sources:
        _, _, _, verdict = _read(incident_id, sources, expect_key_sha256)
        key_source = sources[2].key_id
    _show(verdict, key_source)
    if not verdict.valid:
        raise typer.Exit(1)


@ledger_app.command("repair")
def repair(
    incident_id: str = INCIDENT,
    operator: str | None = BY,
    target: Target = TARGET,
    state_dir: Path | None = STATE_DIR,
    table: str | None = TABLE,
    bucket: str | None = BUCKET,
    key: str | None = KEY,
) -> None:
    """Sign and anchor again every head whose anchoring failed, and an unsigned tail (idempotent)."""
    from functions.common.errors import BulkheadError
    from functions.common.wiring import firm_config, utc_now
    from functions.ledger.domain import Anchoring, ChainedLedger

    with _open(Where(target, state_dir, table, bucket, key)) as (store, anchors, signer):
        if next(store.sealed(incident_id), None) is None:
            console.print(f"[red]unknown incident:[/red] no ledger entries for {incident_id!r}")
            raise typer.Exit(2)
        try:
            outcome = ChainedLedger(store, anchoring=Anchoring(signer, anchors)).repair(
                incident_id, utc_now(), actor=acting(target, operator, firm_config, "--operator").actor
            )
        except BulkheadError as exc:
            console.print(f"[red]still cannot anchor:[/red] {exc}")
            raise typer.Exit(1) from exc
    if not outcome.anchored:
        console.print(f"nothing to repair: every milestone of {incident_id} and its last entry are signed")
        return
    for seq, milestone in outcome.anchored:
        console.print(f"  anchored {milestone.value} at seq {seq}")
    if outcome.entry_seq is not None:
        console.print(f"[green]repaired[/green]: recorded at seq {outcome.entry_seq}, itself signed and anchored")


@evidence_app.command("export")
def export(
    incident_id: str = INCIDENT,
    out: Path = typer.Option(None, "--out", "-o", help="Directory to write (default evidence-<incident>)."),
    target: Target = TARGET,
    state_dir: Path | None = STATE_DIR,
    table: str | None = TABLE,
    bucket: str | None = BUCKET,
    key: str | None = KEY,
    expect_key_sha256: str | None = EXPECT_KEY,
    reviews: Path = typer.Option(
        Path("reviews"), "--reviews", help="Where `bulkhead review` wrote the review (INCIDENT-review.md and .html)."
    ),
    notification_bucket: str | None = typer.Option(
        None,
        "--notification-bucket",
        help=f"Bucket of the regulator drafts in AWS (default ${Env.NOTIFICATION_BUCKET.value}).",
    ),
    dispositions_table: str | None = typer.Option(
        None,
        "--dispositions-table",
        help=f"Dispositions table in AWS, the windows' counts (default ${Env.DISPOSITIONS_TABLE.value}).",
    ),
) -> None:
    """Write the incident's evidence pack; `python <pack>/verify.py <pack>` checks it offline.

    The post-incident review (when the ledger records one) and the regulator drafts go in beside the
    entries that sign their SHA-256; the disposition of every signal the incident merged goes in with
    the signed heads of its day chain. A ledger that fails verification is still written (for
    forensics), marked as failing, and the command exits 1."""
    from bulkhead.evidence.dispositions import SignalDispositions
    from bulkhead.evidence.pack import AnchorSource, DocumentMismatch, export_pack

    destination = out or Path(f"evidence-{incident_id}")
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        console.print(f"[red]refused:[/red] --out {destination} exists and is not an empty directory")
        raise typer.Exit(2)
    where = Where(target, state_dir, table, bucket, key)
    with _open(where) as sources:
        entries, found, pem, verdict = _read(incident_id, sources, expect_key_sha256)
        key_id = sources[2].key_id
        source = AnchorSource(sources[1].bucket, f"anchors/{incident_id}/")
        chains = _day_chains(entries, sources, pem, expect_key_sha256)
    from bulkhead.evidence.pack import customer_templates

    drafts, templates = _notices(incident_id, where, notification_bucket, customer_templates(entries))
    documents = _documents(incident_id, reviews, drafts, templates)
    dispositions = SignalDispositions(chains, _windows(incident_id, chains, where, dispositions_table))
    try:
        pack = export_pack(
            destination, incident_id, entries, found, pem, key_id, verdict, source, documents, dispositions
        )
    except DocumentMismatch as exc:
        console.print(f"[red]refused:[/red] --reviews {reviews}: {exc}; nothing written")
        raise typer.Exit(2) from exc
    _show(verdict, key_id)
    console.print(f"wrote {pack.path}: {pack.entries} entries, {pack.anchors} signed heads, {pack.files} files")
    _show_dispositions(incident_id, dispositions)
    console.print(
        f"verify offline: python {pack.path / 'verify.py'} {pack.path} --expect-key-sha256 {verdict.public_key_sha256}"
    )
    if not pack.verified:
        console.print("[red]the pack is marked FAILED VERIFICATION[/red] (written for forensics only)")
        raise typer.Exit(1)
    if any(not chain.verdict.valid for chain in dispositions.chains):
        console.print("[red]a day chain of the signals' dispositions failed verification[/red] (SUMMARY.md names it)")
        raise typer.Exit(1)


# A signal is disposed of within its rule's window (at most 7 days) of the first signal, and merged
# within the same window after the declaration (plus the replay window): these days bound the chains.
_DAYS_BEFORE_DECLARED = 7
_DAYS_AFTER_DECLARED = 8


def _day_chains(
    entries: "list[SealedEntry]", sources: "Sources", pem: str, expect_key_sha256: str | None
) -> "tuple[DayChain, ...]":
    """The day chains `dispositions-<day>` from a week before the incident's first entry to today
    (at most a week after it), each verified whole, as `ledger verify` verifies a chain."""
    import json
    from datetime import datetime, timedelta

    from bulkhead.evidence.dispositions import DayChain
    from functions.common.wiring import utc_now
    from functions.ledger.chains import dispositions_chain
    from functions.ledger.domain import verify_ledger

    if not entries:
        return ()
    first = datetime.fromisoformat(json.loads(entries[0].body)["at"])
    last = min(utc_now(), first + timedelta(days=_DAYS_AFTER_DECLARED))
    store, anchors, _ = sources
    chains: list[DayChain] = []
    day = first - timedelta(days=_DAYS_BEFORE_DECLARED)
    while day.date() <= last.date():
        name = dispositions_chain(day)
        sealed = list(store.sealed(name))
        if sealed:
            heads = anchors.anchors(name)
            chains.append(DayChain(name, sealed, heads, verify_ledger(name, sealed, heads, pem, expect_key_sha256)))
        day += timedelta(days=1)
    return tuple(chains)


def _windows(
    incident_id: str, chains: "tuple[DayChain, ...]", where: Where, table: str | None
) -> "tuple[WindowCount, ...]":
    """The incident's correlation windows as the Dispositions table counts them, on the chains' days."""
    import hashlib

    from bulkhead.evidence.dispositions import WindowCount
    from functions.common.clients import client
    from functions.detection.adapters.dynamodb import DynamoDispositionStore

    def counts(store: DynamoDispositionStore) -> tuple[WindowCount, ...]:
        found: list[WindowCount] = []
        for chain in chains:
            day = chain.name.removeprefix("dispositions-")
            for w in store.day(day):
                if w.incident_id == incident_id:
                    o = w.outcomes
                    window = hashlib.sha256(w.window.encode()).hexdigest()
                    found.append(WindowCount(window, day, w.signals, o["ignored"], o["declared"], o["merged"]))
        return tuple(found)

    if where.target is Target.AWS:
        name = table or os.environ.get(Env.DISPOSITIONS_TABLE.value)
        if not name:
            console.print("[yellow]no --dispositions-table: the windows' counts are left out[/yellow]")
            return ()
        return counts(DynamoDispositionStore(client("dynamodb"), name))
    from bulkhead.cli.local import fabric as local_service
    from bulkhead.local import paths

    with local_service(where.state_dir or paths.DEFAULT_STATE_DIR) as service:
        return counts(DynamoDispositionStore(client("dynamodb"), service.describe()["tables"]["Dispositions"]))


def _show_dispositions(incident_id: str, dispositions: "SignalDispositions") -> None:
    from bulkhead.evidence.dispositions import verified_rows

    rows = verified_rows(incident_id, dispositions)
    outcomes = ", ".join(
        f"{n} {o}" for o, n in sorted(collections.Counter(str(b["data"].get("outcome")) for _, _, b in rows).items())
    )
    console.print(
        f"  signal dispositions: {len(rows)} ({outcomes or 'none'}) from {len(dispositions.chains)} day chains"
    )
    for chain in dispositions.chains:
        if not chain.verdict.valid:
            console.print(f"  [red]{chain.name} failed verification[/red] at seq {chain.verdict.first_bad_seq}")


def _documents(
    incident_id: str, reviews: Path, drafts: tuple[tuple[str, bytes], ...], templates: tuple[tuple[str, bytes], ...]
) -> "Documents":
    from bulkhead.evidence.pack import Documents

    markdown, page = reviews / f"{incident_id}-review.md", reviews / f"{incident_id}-review.html"
    return Documents(
        review_markdown=markdown.read_bytes() if markdown.is_file() else None,
        review_html=page.read_bytes() if page.is_file() else None,
        regulator_drafts=drafts,
        customer_templates=templates,
    )


def _notices(
    incident_id: str, where: Where, bucket: str | None, template_names: list[str]
) -> tuple[tuple[tuple[str, bytes], ...], tuple[tuple[str, bytes], ...]]:
    """The regulator drafts stored for the incident and the e-mail templates its notices used, as
    (file name, bytes); the exporter keeps only those whose SHA-256 the ledger records."""
    from functions.common.clients import client
    from functions.notification.adapters.s3_roster import S3RosterStore

    if where.target is Target.AWS:
        name = bucket or os.environ.get(Env.NOTIFICATION_BUCKET.value)
        if not name:
            console.print("[yellow]no --notification-bucket: the regulator drafts are left out[/yellow]")
        found = S3RosterStore(client("s3"), name).drafts(incident_id) if name else []
        return _named(found), _templates(client("ses"), template_names)
    from bulkhead.cli.local import fabric as local_service
    from bulkhead.local import paths

    with local_service(where.state_dir or paths.DEFAULT_STATE_DIR) as service:
        store = S3RosterStore(client("s3"), service.describe()["buckets"]["Notifications"])
        return _named(store.drafts(incident_id)), _templates(client("ses"), template_names)


def _named(found: list[tuple[str, str]]) -> tuple[tuple[str, bytes], ...]:
    return tuple((key.rsplit("/", 1)[-1], text.encode()) for key, text in found)


def _templates(ses: "Any", names: list[str]) -> tuple[tuple[str, bytes], ...]:
    """Each template as SES holds it, in the form whose SHA-256 the ledger records (`template_sha256`)."""
    from botocore.exceptions import ClientError

    from functions.ledger.canonical import canonical

    found: list[tuple[str, bytes]] = []
    for name in names:
        try:
            part = ses.get_template(TemplateName=name)["Template"]
        except ClientError:
            continue  # deleted since: SUMMARY.md says it is not in the pack
        body = {
            "subject": part.get("SubjectPart", ""),
            "text": part.get("TextPart", ""),
            "html": part.get("HtmlPart", ""),
        }
        found.append((f"{name}.json", canonical(body)))
    return tuple(found)


def _show(verdict: "LedgerVerdict", key_source: str) -> None:
    from functions.ledger.models import Milestone

    for check in verdict.anchors:
        if check.valid and check.milestone is Milestone.CHECKPOINT:
            continue  # one line per milestone; checkpoints are counted below
        mark = "[green]ok[/green]" if check.valid else f"[red]{check.problem}[/red]"
        console.print(f"  anchor {check.milestone.value:<10} seq {check.seq:>4}: {mark}")
    signed = sum(1 for c in verdict.anchors if c.valid)
    console.print(f"  {signed} signed heads valid; {verdict.unanchored_tail} entries after the last one")
    pin = "pinned by --expect-key-sha256" if verdict.key_pinned else "not pinned by fingerprint"
    console.print(f"  signing key sha256: {verdict.public_key_sha256} (from {key_source}; {pin})")
    if verdict.valid:
        console.print(
            f"[green]VALID[/green] {verdict.incident_id}: {verdict.entries} entries, head {verdict.head_hash[:16]}..."
        )
    elif verdict.first_bad_seq is None:
        console.print(f"[red]INVALID[/red] {verdict.incident_id}: {verdict.problem}")
    else:
        console.print(
            f"[red]INVALID[/red] {verdict.incident_id}: first bad entry seq {verdict.first_bad_seq}: {verdict.problem}"
        )
