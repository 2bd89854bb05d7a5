"""The post-incident review, from the ledger: what happened, how fast, and what people learned. Pure.

ISO 27001 A.5.27 (learning from incidents) and SOC 2 CC7.4-CC7.5 ask for it. The figures come from
the record; root cause, lessons and action items come from people. The document's SHA-256 is
signed into the ledger (`review.recorded`), so the review read later is the one recorded.
"""

import hashlib
import html
from collections.abc import Iterable
from datetime import datetime

from pydantic import Field

from functions.clocks.figures import incident_figures
from functions.clocks.models import Clock, ClockStatus
from functions.common.models import Message
from functions.common.people import Acted
from functions.incidents.domain import categories, declaration, open_role_tasks, severity
from functions.ledger.models import EntryDraft, EntryType, LedgerEntry
from functions.ledger.ports import Ledger


class ActionItem(Message):
    text: str = Field(min_length=1, max_length=500)
    owner: str = Field(min_length=1, max_length=128)
    due: str | None = Field(default=None, max_length=40)


class ReviewInput(Message):
    """What people bring: the cause, the lessons, the follow-ups with owners."""

    root_cause: str = Field(min_length=1, max_length=4000)
    lessons: tuple[str, ...] = ()
    action_items: tuple[ActionItem, ...] = ()
    by: Acted  # who prepared it, as the roster names them


class Review(Message):
    incident_id: str
    markdown: str
    html: str
    sha256: str  # of the Markdown, the text of record


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "not reached"
    minutes = int(seconds // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min {int(seconds % 60)} s"


def _summary(entry: LedgerEntry) -> str:
    keys = ("clock", "action_id", "task_id", "reference", "severity", "person", "text", "reason", "modes", "emailed")
    shown = [f"{k}={entry.data[k]}" for k in keys if entry.data.get(k) not in (None, "", [])]
    return ", ".join(str(s) for s in shown)[:200]


def build_review(
    incident_id: str, entries: Iterable[LedgerEntry], clocks: Iterable[Clock], given: ReviewInput, now: datetime
) -> Review:
    ordered = list(entries)
    declared = declaration(incident_id, ordered)
    every = list(clocks)
    figures = incident_figures(incident_id, ordered, 0)
    assert figures is not None  # declaration() found the declaration
    lines = [
        f"# Post-incident review: {incident_id}",
        "",
        f"Store {declared.data.get('store_id')}; severity {severity(ordered)} (declared "
        f"{declared.data.get('severity')}); data {', '.join(categories(ordered))}; "
        f"{declared.data.get('customers', 0)} customers known; mode {declared.data.get('mode', 'live')}.",
        f"Prepared by {given.by.name} at {now:%Y-%m-%d %H:%M} UTC from {len(ordered)} ledger entries.",
        "",
        "## Times",
        "",
        f"- time to detect (awareness to declaration): {_duration(figures.time_to_detect_seconds)}",
        f"- time to contain (to the first action or mode): {_duration(figures.time_to_contain_seconds)}",
        f"- time to notify (to the first customer notice batch): {_duration(figures.time_to_notify_seconds)}",
        "",
        "## Clocks",
        "",
        "| clock | authority | deadline (UTC) | outcome | filed (UTC) | reference |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for c in every:
        deadline = f"{c.deadline:%Y-%m-%d %H:%M}" if c.deadline else "-"
        filed = f"{c.filed_at:%Y-%m-%d %H:%M} by {c.filed_by}" if c.filed_at else "-"
        outcome = {ClockStatus.MET: "met", ClockStatus.MISSED: "MISSED"}.get(c.status, c.status.value)
        lines.append(f"| {c.clock_id} | {c.authority} | {deadline} | {outcome} | {filed} | {c.reference or '-'} |")
    lines += ["", "## Containment and degradation", ""]
    lines += _containment(ordered)
    lines += ["", "## Notices", ""]
    batches = [e for e in ordered if e.type is EntryType.NOTIFICATION_BATCH_SENT]
    lines.append(f"- customer notices sent: {figures.notifications_sent} in {len(batches)} batches")
    lines.append(f"- customer notices still owed: {figures.notices_owed}")
    drafts = sum(1 for e in ordered if e.type is EntryType.REGULATOR_NOTICE_DRAFTED)
    lines.append(f"- regulator drafts prepared: {drafts}; filings recorded: {sum(1 for c in every if c.filed_at)}")
    lines += ["", "## Approvals and decisions", ""]
    decided = [
        e
        for e in ordered
        if e.type
        in {
            EntryType.APPROVAL_GRANTED,
            EntryType.APPROVAL_REJECTED,
            EntryType.APPROVAL_EXPIRED,
            EntryType.NOTICE_REVIEW_APPROVED,
            EntryType.NOTICE_REVIEW_REJECTED,
            EntryType.NOTICE_REVIEW_EXPIRED,
            EntryType.INCIDENT_ESCALATED,
            EntryType.INCIDENT_RESOLVED,
            EntryType.INCIDENT_CLASSIFIED,
            EntryType.TASK_DONE,
        }
    ]
    lines += [f"- {e.at:%Y-%m-%d %H:%M:%S} {e.type.value} by {e.actor} {_summary(e)}".rstrip() for e in decided]
    if not decided:
        lines.append("- none recorded")
    lines += ["", "## Root cause", "", given.root_cause, "", "## Lessons learned", ""]
    lines += [f"- {lesson}" for lesson in given.lessons] or ["- none given"]
    lines += ["", "## Action items", "", "| item | owner | due |", "| --- | --- | --- |"]
    lines += [f"| {a.text} | {a.owner} | {a.due or '-'} |" for a in given.action_items]
    lines += [
        f"| open task: {t.title} | {t.owner} ({t.person or '-'}) | {t.due_at or '-'} |"
        for t in open_role_tasks(ordered, now)
    ]
    lines += ["", "## Timeline", "", "| # | at (UTC) | entry | by | facts |", "| --- | --- | --- | --- | --- |"]
    lines += [
        f"| {e.seq} | {e.at:%Y-%m-%d %H:%M:%S} | {e.type.value} | {e.actor} | {_summary(e).replace('|', '/')} |"
        for e in ordered
    ]
    markdown = "\n".join(lines) + "\n"
    return Review(
        incident_id=incident_id,
        markdown=markdown,
        html=to_html(incident_id, markdown),
        sha256=hashlib.sha256(markdown.encode()).hexdigest(),
    )


def _containment(entries: list[LedgerEntry]) -> list[str]:
    out: list[str] = []
    for e in entries:
        if e.type in {EntryType.ACTION_VERIFIED, EntryType.ACTION_APPLIED, EntryType.ACTION_REVERTED}:
            who, kind = e.data.get("by") or e.actor, e.data.get("kind", "")
            out.append(f"- {e.at:%H:%M:%S} {e.type.value}: {e.data.get('action_id')} ({kind}) by {who}")
    set_at = next((e.at for e in entries if e.type is EntryType.DEGRADATION_SET), None)
    cleared = next((e.at for e in entries if e.type is EntryType.DEGRADATION_CLEARED), None)
    if set_at is not None:
        held = _duration((cleared - set_at).total_seconds()) if cleared else "still in force"
        out.append(f"- degradation set {set_at:%H:%M:%S}, held for {held}")
    return out or ["- nothing contained or degraded"]


def to_html(incident_id: str, markdown: str) -> str:
    """The same review as a page: headings, lists and tables of the Markdown, escaped."""
    body: list[str] = []
    table: list[list[str]] = []

    def flush() -> None:
        if table:
            head, *rows = table
            body.append("<table><tr>" + "".join(f"<th>{c}</th>" for c in head) + "</tr>")
            body.extend("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
            body.append("</table>")
            table.clear()

    for line in markdown.splitlines():
        if line.startswith("|"):
            cells = [html.escape(c.strip()) for c in line.strip("|").split("|")]
            if not all(set(c) <= {"-", " "} for c in cells):
                table.append(cells)
            continue
        flush()
        if line.startswith("## "):
            body.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("# "):
            body.append(f"<h1>{html.escape(line[2:])}</h1>")
        elif line.startswith("- "):
            body.append(f"<li>{html.escape(line[2:])}</li>")
        elif line:
            body.append(f"<p>{html.escape(line)}</p>")
    flush()
    style = (
        "body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;"
        "text-align:left;vertical-align:top;font-size:.9rem}h2{margin-top:2rem}"
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Review {html.escape(incident_id)}'
        f"</title><style>{style}</style></head><body>{''.join(body)}</body></html>\n"
    )


def record_review(review: Review, by: Acted, ledger: Ledger, now: datetime) -> LedgerEntry:
    return ledger.append(
        review.incident_id,
        EntryDraft(
            type=EntryType.REVIEW_RECORDED,
            actor=by.actor,
            at=now,
            data={
                **by.facts,
                "sha256": review.sha256,
                "html_sha256": hashlib.sha256(review.html.encode()).hexdigest(),
            },
        ),
    )
