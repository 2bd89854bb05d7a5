"""`bulkhead review INC`: the post-incident review from the ledger, signed into it."""

import json
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console

from bulkhead.cli.identity import BY, acting
from bulkhead.cli.ids import INCIDENT
from bulkhead.cli.reach import STATE_DIR, TARGET, Target, reach
from bulkhead.cli.refusals import refusals

console = Console()


def review(
    incident: str = INCIDENT,
    by: str | None = BY,
    root_cause: str = typer.Option("", "--root-cause", help="The root cause, in words."),
    lesson: list[str] = typer.Option([], "--lesson", help="A lesson learned (repeatable)."),
    action_item: list[str] = typer.Option([], "--action-item", help='"what | owner | due" (repeatable).'),
    from_file: Path | None = typer.Option(
        None,
        "--from-file",
        exists=True,
        dir_okay=False,
        help="JSON: root_cause, lessons, action_items [{text, owner, due}].",
    ),
    out: Path = typer.Option(Path("reviews"), "--out", help="Directory for the Markdown and HTML."),
    target: Target = TARGET,
    state_dir: Path | None = STATE_DIR,
) -> None:
    """Build the review (timeline, times, clocks, containment, notices, approvals, action items) and sign it in."""

    from functions.clocks.wiring import clock_store
    from functions.common.wiring import firm_config
    from functions.incidents import wiring
    from functions.incidents.review import ReviewInput, build_review, record_review
    from functions.ledger.wiring import ledger

    try:
        given = json.loads(from_file.read_text()) if from_file else {}
    except json.JSONDecodeError as exc:
        console.print(f"[red]invalid:[/red] --from-file: {exc}")
        raise typer.Exit(2) from exc
    items = [
        dict(zip(("text", "owner", "due"), (p.strip() or None for p in a.split("|")), strict=False))
        for a in action_item
    ]
    fields = {
        "root_cause": root_cause or given.get("root_cause", ""),
        "lessons": [*given.get("lessons", []), *lesson],
        "action_items": [*given.get("action_items", []), *items],
    }
    now = datetime.now(UTC)
    with refusals(console, "no review"), reach(target, state_dir):
        who = acting(target, by, firm_config)
        request = ReviewInput.model_validate({**fields, "by": who})
        entries = list(wiring.chain().entries(incident))
        built = build_review(incident, entries, clock_store().for_incident(incident), request, now)
        entry = record_review(built, who, ledger(), now)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{incident}-review.md").write_text(built.markdown)
    (out / f"{incident}-review.html").write_text(built.html)
    console.print(f"review of {incident} by {who.name}: {out / incident}-review.md and .html")
    console.print(f"signed into the ledger as entry {entry.seq} (review.recorded, sha256 {built.sha256})")


def _item(text: str) -> dict[str, str | None]:
    """`what | owner | due` as an action item (due optional)."""
    parts = [p.strip() or None for p in text.split("|")]
    return dict(zip(("text", "owner", "due"), parts, strict=False))
