"""The drill report: one self-contained HTML page (no external assets) people would rather look at
than read: the verdict, the timeline as bars on a time axis (inline SVG), the scorecard and the
ledger verification.
"""

from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from bulkhead.local.timeline import Step, grouped
from functions.drills.models import CheckStatus, Scorecard
from functions.ledger.models import ChainVerdict, EntryType, LedgerEntry, LedgerVerdict

if TYPE_CHECKING:
    from bulkhead.drills.runner import DrillResult

_COLOURS = {"ok": "#2e7d32", "retried": "#ef6c00", "failed": "#c62828", "running": "#757575"}
_STATUS = {CheckStatus.PASSED: "✔ passed", CheckStatus.FAILED: "✘ failed", CheckStatus.NOT_COVERED: "- not covered"}
_ROW, _LABEL, _WIDTH = 22, 210, 980

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1040px;color:#1b1b1b}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .5rem}
.meta{color:#555}.verdict{display:inline-block;padding:.35rem .9rem;border-radius:4px;font-weight:700;color:#fff}
.pass{background:#2e7d32}.fail{background:#c62828}.neutral{background:#616161}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e4e4e4}
th{background:#f5f5f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
.passed{color:#2e7d32}.failed{color:#c62828;font-weight:600}.not_covered{color:#8a6d00}
code{font-size:12px;color:#444}svg text{font:12px system-ui,sans-serif}.gaps li{color:#8a6d00}
"""


def write_report(result: "DrillResult", directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{result.incident_id}.html"
    temporary = path.with_suffix(".html.tmp")
    temporary.write_text(
        render(
            result.scenario.title,
            result.incident_id or "",
            result.steps,
            result.scorecard,
            result.verdict,
            result.entries,
        )
    )
    temporary.replace(path)
    return path


def render(
    title: str,
    incident_id: str,
    steps: Sequence[Step],
    card: Scorecard | None,
    verdict: ChainVerdict | LedgerVerdict | None,
    entries: Sequence[LedgerEntry],
) -> str:
    verdict_html = _verdict(card, verdict)
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>Bulkhead drill: {escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Drill: {escape(title)}</h1>",
        f"<p class=meta>Incident <code>{escape(incident_id)}</code>"
        + (
            f" · mode {escape(card.mode)} · execution {escape(card.execution_status)}"
            f" · scored {card.scored_at:%Y-%m-%d %H:%M:%S} UTC"
            if card
            else ""
        )
        + f"</p>{verdict_html}",
        "<h2>Timeline</h2>",
        timeline_svg(grouped(list(steps))),
        _manual_tasks(entries),
    ]
    if card is not None:
        parts += [_scorecard(card)]
    parts += [_ledger(verdict, entries), "</body></html>"]
    return "\n".join(parts)


def _verdict(card: Scorecard | None, verdict: ChainVerdict | LedgerVerdict | None) -> str:
    """PASSED or FAILED for a scored drill; a run that was not scored says so instead of failing."""
    if card is None:
        ran = verdict is not None and verdict.valid
        note = "the response ran and its ledger verifies" if ran else "the ledger does not verify"
        label = "NOT SCORED" if ran else "FAILED"
        css = "neutral" if ran else "fail"
        return (
            f'<span id="verdict" class="verdict {css}">{label}</span>'
            f' <span class=meta id="verdict-note">No scorecard: this run is not a catalogued scenario; {note}.</span>'
        )
    passed = card.passed and verdict is not None and verdict.valid
    return (
        f'<span id="verdict" class="verdict {"pass" if passed else "fail"}">{"PASSED" if passed else "FAILED"}</span>'
    )


def _awaiting(entries: Sequence[LedgerEntry]) -> str:
    """A response that ended with manual tasks open left the incident for a person to close: say so."""
    completed = next((e for e in entries if e.type is EntryType.RESPONSE_COMPLETED), None)
    closing = {EntryType.INCIDENT_CLOSED, EntryType.INCIDENT_RESOLVED}
    if completed is None or any(e.type in closing for e in entries):
        return ""
    incident = completed.incident_id
    return (
        f'<p id="awaiting" class=meta>The response is done; the incident awaits a person to close it: '
        f"{len(completed.data.get('open_tasks', []))} manual tasks are open. Each is recorded with "
        f"<code>bulkhead action done {escape(incident)} ACTION --operator NAME</code> (the last one closes the "
        f"incident), or a person closes it with <code>bulkhead incident close {escape(incident)} --by NAME "
        "--reason WHY</code>.</p>"
    )


def _manual_tasks(entries: Sequence[LedgerEntry]) -> str:
    """Every manual task the response raised, with what a person must do, and whether it was done."""
    tasks = [e for e in entries if e.type is EntryType.ACTION_MANUAL_TASK]
    if not tasks:
        return ""
    done = {e.data.get("action_id") for e in entries if e.type is EntryType.ACTION_APPLIED}
    rows = "".join(
        f'<tr class="task"><td><code>{escape(str(t.data.get("action_id", "")))}</code></td>'
        f"<td>{escape(str(t.data.get('kind', '')))}</td>"
        f"<td>{escape(str(t.data.get('instructions') or _task_text(t)))}</td>"
        f'<td class="{"passed" if t.data.get("action_id") in done else "failed"}">'
        f"{'done' if t.data.get('action_id') in done else 'OPEN'}</td></tr>"
        for t in tasks
    )
    return (
        '<h2>Manual tasks</h2><table id="tasks"><tr><th>action</th><th>kind</th><th>what to do</th>'
        f"<th>state</th></tr>{rows}</table>" + _awaiting(entries)
    )


def _task_text(task: LedgerEntry) -> str:
    data = task.data
    return (
        f"Carry out {data.get('kind')} in store {data.get('store_id')}, then record it with "
        f"`bulkhead action done {task.incident_id} {data.get('action_id')}`."
    )


def timeline_svg(steps: Sequence[Step]) -> str:
    """Each step a bar from its start to its end, on an axis in milliseconds from the first start."""
    if not steps:
        return '<svg id="timeline" width="0" height="0"></svg><p>No steps ran.</p>'
    origin = min(s.started for s in steps)
    end_ms = max((s.started - origin).total_seconds() * 1000 + s.seconds * 1000 for s in steps)
    span = max(end_ms, 1.0)
    scale = (_WIDTH - _LABEL - 20) / span
    height = _ROW * len(steps) + 40
    out = [
        f'<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        'role="img" aria-label="timeline">'
    ]
    for tick in _ticks(span):
        x = _LABEL + tick * scale
        out.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 22}" stroke="#e0e0e0"/>')
        out.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="#555">{tick:,.0f} ms</text>')
    for row, step in enumerate(steps):
        start = (step.started - origin).total_seconds() * 1000
        y = row * _ROW + 4
        width = max(step.seconds * 1000 * scale, 2.0)
        colour = _COLOURS.get(step.outcome, "#757575")
        label = escape(step.name) + (f" &times;{step.count}" if step.count > 1 else "")
        out.append(f'<text x="{_LABEL - 8}" y="{y + 13}" text-anchor="end">{label}</text>')
        out.append(
            f'<rect class="bar" data-step="{escape(step.name)}" data-count="{step.count}" '
            f'data-outcome="{escape(step.outcome)}" '
            f'x="{_LABEL + start * scale:.1f}" y="{y}" width="{width:.1f}" height="{_ROW - 8}" rx="2" fill="{colour}">'
            f"<title>{label}: +{start:,.0f} ms, {step.seconds * 1000:,.0f} ms, "
            f"{escape(step.outcome)}</title></rect>"
        )
    out.append("</svg>")
    return "".join(out)


def _ticks(span_ms: float) -> list[float]:
    step = next(
        s
        for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 60_000, 3_600_000, 10**9)
        if span_ms / s <= 10
    )
    return [n * step for n in range(int(span_ms // step) + 1)]


def _scorecard(card: Scorecard) -> str:
    rows = "".join(
        f'<tr class="check"><td>{escape(c.step)}</td><td>{escape(c.expected)}</td><td>{escape(c.actual)}</td>'
        f'<td class="{c.status.value}">{_STATUS[c.status]}</td></tr>'
        for c in card.steps
    )
    times = "".join(
        f"<tr><td>time to {t.measure.value}</td><td class=num>{_seconds(t.seconds)}</td>"
        f"<td class=num>{_seconds(t.sla_seconds)}</td>"
        f'<td class="{t.status.value}">{_STATUS[t.status]}</td></tr>'
        for t in card.times
    )
    clocks = "".join(
        f"<tr><td>{escape(c.regime.value)}</td><td>{c.deadline:%Y-%m-%d %H:%M} UTC</td>"
        f"<td>{f'{c.notified_at:%H:%M:%S} UTC' if c.notified_at else 'not notified'}</td>"
        f'<td class="{c.status.value}">{_STATUS[c.status]}</td></tr>'
        for c in card.clocks
    )
    gaps = "".join(f"<li>{escape(g)}</li>" for g in card.gaps)
    return (
        '<h2>Scorecard</h2><table id="scorecard"><tr><th>step</th><th>expected</th><th>actual</th><th>result</th></tr>'
        f"{rows}</table>"
        '<h2>Times against the SLAs</h2><table id="times">'
        "<tr><th>measure</th><th>from injection</th><th>SLA</th><th>result</th></tr>"
        f"{times}</table>"
        "<h2>Regulatory clocks (computed, never filed in a drill)</h2>"
        '<table id="clocks"><tr><th>regime</th><th>deadline</th>'
        f"<th>notice planned</th><th>result</th></tr>{clocks}</table>"
        + (f'<h2>Not covered by this drill</h2><ul class="gaps">{gaps}</ul>' if gaps else "")
    )


def _ledger(verdict: ChainVerdict | LedgerVerdict | None, entries: Sequence[LedgerEntry]) -> str:
    if verdict is None:
        return '<h2>Ledger</h2><p id="ledger">No ledger: no incident was declared.</p>'
    state = (
        f"verified: {verdict.entries} entries, head <code>{verdict.head_hash}</code>"
        if verdict.valid
        else f"BROKEN at seq {verdict.first_bad_seq}: {escape(verdict.problem or '')}"
    )
    what = "Hash chain"
    anchors = ""
    if isinstance(verdict, LedgerVerdict):
        what = "Hash chain, signed heads and their Object Lock anchors"
        anchors = _anchors(verdict)
    rows = "".join(
        f"<tr><td class=num>{e.seq}</td><td>{e.at:%H:%M:%S.%f}</td><td>{escape(e.type.value)}</td>"
        f"<td>{escape(e.actor)}</td>"
        f"<td><code>{e.hash[:16]}…</code></td></tr>"
        for e in entries
    )
    return (
        f'<h2>Ledger</h2><p id="ledger" data-valid="{str(verdict.valid).lower()}" '
        f'class="{"passed" if verdict.valid else "failed"}">'
        f"{what} {state}</p>{anchors}<table id=entries>"
        f"<tr><th>seq</th><th>at</th><th>type</th><th>actor</th><th>hash</th></tr>{rows}</table>"
    )


def _anchors(verdict: LedgerVerdict) -> str:
    """Each signed head: the milestone, the seq it covers, and whether signature and chain agree."""
    rows = "".join(
        f'<tr class="anchor"><td>{escape(a.milestone.value)}</td><td class=num>{a.seq}</td>'
        f'<td class="{"passed" if a.valid else "failed"}">{"✔ valid" if a.valid else "✘ " + escape(a.problem or "")}'
        "</td></tr>"
        for a in verdict.anchors
    )
    key = f"<code>{verdict.public_key_sha256[:16]}…</code>" if verdict.public_key_sha256 else "—"
    return (
        f'<table id="anchors" data-anchors="{len(verdict.anchors)}" '
        f'data-unanchored="{verdict.unanchored_tail}"><tr><th>signed milestone</th><th>head seq</th>'
        f"<th>signature and anchor</th></tr>{rows}</table>"
        f"<p class=meta>Signing key (SHA-256 of the public key) {key}; "
        f"{verdict.unanchored_tail} entries after the last anchor (covered by the chain only).</p>"
    )


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:,.0f} ms" if value < 10 else f"{value:,.0f} s"
