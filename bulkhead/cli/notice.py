"""`bulkhead notice ...`: preview customer notices, review the waiting one, list regulator drafts."""

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from bulkhead.cli.identity import BY
from bulkhead.cli.ids import incident_argument, incident_option
from bulkhead.cli.reach import STATE_DIR, TARGET, Target, reach

if TYPE_CHECKING:
    from functions.approval.models import NoticeReviewDecision, NoticeReviewDocument, ReviewStage

notice_app = typer.Typer(
    help="Preview customer breach notices, review the one waiting to be sent, read regulator drafts.",
    no_args_is_help=True,
)
console = Console()
CATEGORIES = ("contact", "identity", "financial_account", "credentials")
PARTS = ("all", "subject", "text", "html", "sms")


@notice_app.command("preview")
def preview(
    lang: str = typer.Option("en", "--lang", help="en, de, fr or es"),
    regime: str = typer.Option("gdpr", "--regime", help="gdpr, uk_gdpr, us, california or massachusetts"),
    store: str = typer.Option("", help="store_id whose branding to use (default: the first store)"),
    category: list[str] = typer.Option(["contact"], "--category", help=f"data at stake, repeatable: {CATEGORIES}"),
    name: str = typer.Option("", help="first name for the greeting (default: the unnamed greeting)"),
    drill: bool = typer.Option(False, "--drill", help="render the drill version (marked as a test)"),
    part: str = typer.Option("all", help=f"which part to print: {', '.join(PARTS)}"),
    reference: str = typer.Option("inc-preview-0000", help="incident reference shown in the notice"),
    config: Path = typer.Option(Path("config/bulkhead.local.json"), help="Firm configuration."),
) -> None:
    """Render the notice exactly as SES will send it (the greeting filled in as SES fills it)."""
    from functions.common.config import parse_config
    from functions.common.errors import ConfigurationError
    from functions.notification import notices
    from functions.notification.models import NoticeContext, NoticeRegime

    if regime not in {r.value for r in NoticeRegime}:
        choices = ", ".join(r.value for r in NoticeRegime)
        raise typer.BadParameter(f"{regime!r} is not one of {choices}", param_hint="--regime")
    if lang not in notices.LANGUAGES:
        raise typer.BadParameter(f"{lang!r} is not one of {', '.join(notices.LANGUAGES)}", param_hint="--lang")
    bad = [c for c in category if c not in CATEGORIES]
    if bad:
        raise typer.BadParameter(f"{bad[0]!r} is not one of {', '.join(CATEGORIES)}", param_hint="--category")
    if part not in PARTS:
        raise typer.BadParameter(f"{part!r} is not one of {', '.join(PARTS)}", param_hint="--part")
    try:
        firm = parse_config(config.read_text(), origin=str(config))
        chosen = firm.store(store) if store else firm.stores[0]
    except (ConfigurationError, OSError) as exc:
        console.print(f"[red]cannot preview:[/red] {exc}")
        raise typer.Exit(2) from exc
    branding = chosen.branding
    notice = notices.render(
        NoticeContext(
            language=lang,
            regime=NoticeRegime(regime),
            contact_phone=firm.contact_phone,
            postal_address=firm.postal_address,
            brand_name=branding.display_name or firm.firm_name,
            accent_color=branding.accent_color,
            logo_url=str(branding.logo_url) if branding.logo_url else None,
            help_url=str(branding.help_url) if branding.help_url else None,
            contact_point=firm.contact_point,
            incident_reference=reference,
            aware_on=notices.local_date(datetime.now(UTC).date(), lang),
            data_categories=tuple(dict.fromkeys(category)),
            drill=drill,
        )
    )
    greeting = notices.greeting(lang, name or None)
    sections = {
        "subject": notice.subject,
        "text": notices.personalise(notice.text, greeting),
        "html": notices.personalise(notice.html, greeting),
        "sms": notice.sms,
    }
    for key in PARTS[1:] if part == "all" else (part,):
        if part == "all":
            console.rule(key)
        console.print(sections[key], markup=False, highlight=False, soft_wrap=True)


@notice_app.command("drafts")
def drafts(
    incident: str = incident_option(),
    show: bool = typer.Option(False, "--show", help="print each draft in full"),
    bucket: str = typer.Option("", help="notification bucket in AWS; omit for the local fabric's saved state"),
    state_dir: Path | None = typer.Option(None, "--state-dir", help="Local state directory (default .bulkhead/state)."),
) -> None:
    """List the regulator notice drafts generated for an incident (drafts are never sent)."""
    from functions.common.clients import client
    from functions.notification.adapters.s3_roster import S3RosterStore

    if bucket:
        found = S3RosterStore(client("s3"), bucket).drafts(incident)
    else:
        from bulkhead.cli.local import fabric

        with fabric(state_dir) as service:
            found = S3RosterStore(client("s3"), service.describe()["buckets"]["Notifications"]).drafts(incident)
    if not found:
        console.print(f"no regulator drafts for {incident} (run the response first, e.g. `bulkhead drill`)")
        raise typer.Exit(1)
    table = Table("draft", "to", "deadline")
    for key, text in found:
        to = next((line[6:] for line in text.splitlines() if line.startswith("- To: ")), "?")
        deadline = next((line.split(": ", 1)[1] for line in text.splitlines() if "deadline" in line), "?")
        table.add_row(key.rsplit("/", 1)[-1], to, deadline)
    console.print(table)
    if show:
        for key, text in found:
            console.rule(key)
            console.print(text, markup=False, highlight=False)


@notice_app.command("review")
def review(
    incident: str = incident_argument(help="Incident id whose customer notice waits for a review."),
    approve: bool = typer.Option(False, "--approve", help="Approve: the notices go out now, exactly as shown."),
    reject: bool = typer.Option(False, "--reject", help="Reject: nothing is sent; --reason says why."),
    reason: str = typer.Option("", "--reason", help="Why (required to reject; recorded in the ledger)."),
    sha256: str | None = typer.Option(None, "--sha256", help="The hash you read: refused if the notice changed."),
    show: bool = typer.Option(False, "--show", help="Print every notice in full (text and SMS)."),
    as_person: str | None = BY,
    target: Target = TARGET,
    state_dir: Path | None = STATE_DIR,
) -> None:
    """Read the customer notice waiting for review (its SHA-256, audience and channels), then decide.

    Without --approve or --reject it only shows the notice. The decision is a ledger entry naming who.
    """
    from botocore.exceptions import ClientError

    from bulkhead.cli.identity import acting
    from functions.approval.decided import last_decision
    from functions.approval.models import NoticeReviewDecision
    from functions.approval.notice_review import NoPendingReview
    from functions.approval.wiring import notice_review_store
    from functions.common.errors import BulkheadError
    from functions.common.wiring import firm_config
    from functions.incidents.wiring import chain

    if approve and reject:
        raise typer.BadParameter("choose one of --approve and --reject", param_hint="--approve/--reject")
    deciding = approve or reject
    if reject and not reason.strip():
        console.print("[red]invalid:[/red] --reason: a rejection says why")
        raise typer.Exit(2)
    if deciding and target is Target.LOCAL and not (as_person or "").strip():
        console.print("[red]invalid:[/red] --as: name the roster person deciding (id or name; also --by)")
        raise typer.Exit(2)
    try:
        with reach(target, state_dir):
            pending = notice_review_store().get(incident)
            if pending is None or pending.task_token is None:
                earlier = last_decision(chain().entries(incident), notice=True)
                raise NoPendingReview(
                    f"incident {incident}: "
                    + (f"already {earlier}" if earlier else "no customer notice waits for a review")
                )
            document = pending.document
            _print_review(pending.stage, pending.stages[pending.stage], document, show or not deciding)
            if not deciding:
                return
            who = acting(target, as_person, firm_config, "--as")
            decision = NoticeReviewDecision(
                incident_id=incident,
                approved=approve,
                reviewer=who.name,
                reviewer_id=who.person_id or who.iam_principal,
                role=who.role,
                iam_principal=who.iam_principal,
                reason=reason,
                sha256=sha256 or document.sha256,
            )
            _decide_once(decision)
    except typer.BadParameter as exc:
        console.print(f"[red]invalid:[/red] {exc.param_hint}: {exc.message}")
        raise typer.Exit(2) from exc
    except BulkheadError as exc:
        console.print(f"[red]no decision recorded:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from exc
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
        console.print(f"[red]no decision recorded:[/red] the waiting response is not running ({code}).")
        raise typer.Exit(1) from exc
    verb = "approved: the notices are sent now" if approve else "rejected: nothing is sent"
    console.print(
        f"Incident {incident}: customer notice {verb}; by {who.name}; recorded in the ledger.", soft_wrap=True
    )


def _decide_once(decision: "NoticeReviewDecision") -> None:
    """Decide; when someone else decided meanwhile, say who and when (from the claim or the ledger)."""
    from functions.approval.decided import last_decision
    from functions.approval.notice_review import NoPendingReview, ReviewBeingDecided, decide_review
    from functions.approval.wiring import execution, notice_review_store
    from functions.incidents.wiring import chain
    from functions.ledger.wiring import ledger

    try:
        decide_review(decision, notice_review_store(), execution(), ledger(), datetime.now(UTC))
    except NoPendingReview as exc:
        earlier = last_decision(chain().entries(decision.incident_id), notice=True)
        if earlier is None or isinstance(exc, ReviewBeingDecided):
            raise
        raise NoPendingReview(f"incident {decision.incident_id}: already {earlier}") from exc


def _print_review(stage: int, who: "ReviewStage", document: "NoticeReviewDocument", full: bool) -> None:
    person = f"{who.person_name} ({who.role})" if who.person_name else who.role
    console.print(
        f"Customer notice waiting for review at stage {stage} ({person}): sha256 {document.sha256}",
        soft_wrap=True,
    )
    console.print(
        f"  to {document.customers} customers by {', '.join(document.channels)}; dated {document.notice_on}; "
        f"{len(document.notices)} versions: {', '.join(n.key for n in document.notices)}",
        soft_wrap=True,
    )
    if not full:
        return
    for notice in document.notices:
        console.rule(f"{notice.key}  sha256 {notice.sha256}")
        console.print(f"Subject: {notice.subject}", markup=False, highlight=False, soft_wrap=True)
        console.print(notice.text, markup=False, highlight=False, soft_wrap=True)
        console.rule("SMS")
        console.print(notice.sms, markup=False, highlight=False, soft_wrap=True)
