"""SUMMARY.md: the incident told for a person (auditor, DPO, board), generated from verified entries only.

Each line cites the entry it comes from (`seq`), so a reader can check it in `views/timeline.json`.
When the ledger failed verification, only the entries before the first bad one are used, and the
summary says so. What the ledger does not hold is listed as not recorded, never guessed.
"""

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from functions.ledger.models import EntryType, LedgerVerdict, SealedEntry

GDPR_HOURS = 72
_MILESTONES = (
    ("detected (first signal)", EntryType.SIGNAL_DISPOSITION),
    ("declared", EntryType.INCIDENT_DECLARED),
    ("contained", EntryType.INCIDENT_CONTAINED),
    ("notified", EntryType.INCIDENT_NOTIFIED),
    ("response completed, manual tasks open", EntryType.RESPONSE_COMPLETED),
    ("closed", EntryType.INCIDENT_CLOSED),
    ("closed by a person", EntryType.INCIDENT_RESOLVED),
)
# Steps not every incident has: listed only where recorded (a response that closed the incident
# itself has no `response.completed`).
_WHEN_RECORDED = {EntryType.RESPONSE_COMPLETED, EntryType.INCIDENT_RESOLVED}
# Who acted, for the decisions and hands-on steps an auditor samples (SOC 2 CC7.3-7.5, ISO A.5.24-28).
ACCOUNTABLE = (
    EntryType.APPROVAL_GRANTED,
    EntryType.APPROVAL_REJECTED,
    EntryType.APPROVAL_EXPIRED,
    EntryType.APPROVAL_ESCALATED,
    EntryType.ACTION_MANUAL_TASK,
    EntryType.CLOCK_MET,
    EntryType.CLOCK_MISSED,
    EntryType.CLOCK_FILED_LATE,
    EntryType.ACTION_REVERTED,
    EntryType.RESTORE_COMPLETED,
    EntryType.ANCHORS_REPAIRED,
)
_CLOCK_OUTCOMES = {EntryType.CLOCK_MET, EntryType.CLOCK_MISSED, EntryType.CLOCK_FILED_LATE}


class _Entry:
    def __init__(self, sealed: SealedEntry) -> None:
        body = json.loads(sealed.body)
        self.seq: int = sealed.seq
        self.type = EntryType(body["type"])
        self.actor: str = body["actor"]
        self.at = datetime.fromisoformat(body["at"])
        self.data: dict[str, Any] = body["data"]


def render_summary(incident_id: str, entries: Sequence[SealedEntry], verdict: LedgerVerdict) -> str:
    trusted = entries if verdict.valid else entries[: verdict.first_bad_seq or 0]
    items = [_Entry(e) for e in trusted]
    out = [f"# Incident {incident_id}", "", *_verification(verdict, len(entries), len(items))]
    out += _timeline(items) + _who_acted(items) + _clocks(items) + _notices(items)
    out += _subjects(items) + _dispositions(items) + _drills(items) + _not_recorded(items)
    return "\n".join(out).rstrip() + "\n"


def _verification(verdict: LedgerVerdict, total: int, used: int) -> list[str]:
    if verdict.valid:
        return [
            f"Ledger verified at export: {total} entries, every head signed, key sha256 "
            f"`{verdict.public_key_sha256}`. Every line below cites its entry (seq).",
            "",
        ]
    return [
        f"**THE LEDGER FAILED VERIFICATION** (first bad entry seq {verdict.first_bad_seq}: {verdict.problem}).",
        f"This summary uses only the {used} entries before it, of {total}.",
        "",
    ]


def _first(items: list[_Entry], kind: EntryType) -> _Entry | None:
    return next((e for e in items if e.type is kind), None)


def _timeline(items: list[_Entry]) -> list[str]:
    out = ["## Timeline", "", "| step | at (UTC) | since declared | seq |", "| --- | --- | --- | --- |"]
    declared = _first(items, EntryType.INCIDENT_DECLARED)
    for label, kind in _MILESTONES:
        entry = _first(items, kind)
        if entry is None and kind in _WHEN_RECORDED:
            continue
        if entry is None:
            out.append(f"| {label} | not recorded | | |")
            continue
        since = f"{(entry.at - declared.at).total_seconds() / 3600:.2f} h" if declared else ""
        out.append(f"| {label} | {entry.at:%Y-%m-%d %H:%M:%S} | {since} | {entry.seq} |")
    return [*out, ""]


def _who_acted(items: list[_Entry]) -> list[str]:
    rows = [e for e in items if e.type in ACCOUNTABLE]
    out = ["## Who acted", "", "| what | who | at (UTC) | seq |", "| --- | --- | --- | --- |"]
    out += [f"| {e.type.value} | {e.actor} | {e.at:%Y-%m-%d %H:%M:%S} | {e.seq} |" for e in rows]
    return [*out, "" if rows else "No approvals, manual tasks, filings or restores were recorded.", ""]


def _clocks(items: list[_Entry]) -> list[str]:
    out = ["## Regulatory clocks", "", "| clock | deadline | outcome | seq |", "| --- | --- | --- | --- |"]
    outcomes = {e.data.get("clock"): e for e in items if e.type in _CLOCK_OUTCOMES}
    for started in (e for e in items if e.type is EntryType.CLOCK_STARTED):
        clock = started.data.get("clock")
        done = outcomes.get(clock)
        outcome = "open (not filed)" if done is None else f"{done.type.value} by {done.actor}"
        seq = started.seq if done is None else done.seq
        out.append(f"| {clock} | {started.data.get('deadline')} | {outcome} | {seq} |")
    gdpr = outcomes.get("gdpr_art33")
    if gdpr is not None:
        verdict = "PASS" if gdpr.type is EntryType.CLOCK_MET and not gdpr.data.get("late") else "FAIL"
        out += ["", f"GDPR Art. 33 ({GDPR_HOURS} hours): **{verdict}** (seq {gdpr.seq})."]
    elif any(e.data.get("clock") == "gdpr_art33" for e in items if e.type is EntryType.CLOCK_STARTED):
        out += ["", f"GDPR Art. 33 ({GDPR_HOURS} hours): no filing recorded."]
    return [*out, ""]


def _notices(items: list[_Entry]) -> list[str]:
    out = ["## Notices", ""]
    drafts = [e for e in items if e.type is EntryType.REGULATOR_NOTICE_DRAFTED]
    out += [
        f"- regulator draft, {e.data.get('regime')} to {e.data.get('authority')}: sha256 "
        f"`{e.data.get('draft_sha256')}` (seq {e.seq})"
        for e in drafts
    ]
    batches = [e for e in items if e.type is EntryType.NOTIFICATION_BATCH_SENT]
    reached = sum(int(e.data.get("customers_reached", 0) or 0) for e in batches)
    completed = _first(items, EntryType.NOTIFICATION_COMPLETED)
    done = f", completed at seq {completed.seq}" if completed else ""
    out.append(f"- customers reached: {reached} in {len(batches)} batches{done}")
    return [*out, ""]


def _subjects(items: list[_Entry]) -> list[str]:
    declared = _first(items, EntryType.INCIDENT_DECLARED)
    planned = _first(items, EntryType.NOTIFICATION_PLANNED)
    out = ["## Data subjects", ""]
    if declared is not None:
        out.append(f"- affected at declaration: {declared.data.get('customers')} customers (seq {declared.seq})")
    if planned is not None:
        widened = planned.data.get("scope_widened")
        reason = f", audience widened from {planned.data.get('widened_from')}" if widened else ""
        out.append(f"- notified audience: {planned.data.get('customers')} customers{reason} (seq {planned.seq})")
    if declared is None and planned is None:
        out.append("- not recorded")
    return [*out, ""]


def _dispositions(items: list[_Entry]) -> list[str]:
    counts = Counter(str(e.data.get("outcome")) for e in items if e.type is EntryType.SIGNAL_DISPOSITION)
    listed = ", ".join(f"{outcome}: {n}" for outcome, n in sorted(counts.items())) or "none recorded"
    out = ["## Signal dispositions", "", f"- {listed}"]
    # Signals merged into the incident are counted per correlation window at their 1st, 10th, 100th...
    windows: dict[str, _Entry] = {}
    for entry in (e for e in items if e.type is EntryType.SIGNAL_DISPOSITIONS_COUNTED):
        windows[str(entry.data.get("window_sha256"))] = entry
    out += [
        f"- merged: at least {e.data.get('signals')} signals in one correlation window (seq {e.seq}; "
        "each signal's disposition is in the dispositions table for its day)"
        for e in windows.values()
    ]
    return [*out, ""]


def _drills(items: list[_Entry]) -> list[str]:
    cards = [e for e in items if e.type is EntryType.DRILL_SCORED]
    out = ["## Drill scorecards", ""]
    out += [
        f"- {e.data.get('scenario', 'drill')}: {'passed' if e.data.get('passed') else 'FAILED'}"
        f"{' (failed steps: ' + ', '.join(e.data['failed_steps']) + ')' if e.data.get('failed_steps') else ''}"
        f" (seq {e.seq})"
        for e in cards
    ] or ["- not a drill, or not scored"]
    return [*out, ""]


def _not_recorded(items: list[_Entry]) -> list[str]:
    """Facts an auditor asks for that no Bulkhead step records yet: said, not guessed."""
    del items
    return [
        "## Not recorded in the ledger",
        "",
        "- the time the DPO was told; the GDPR Art. 33(5) facts, effects and remedial action;",
        "  the post-incident review: keep them with this pack until the ledger records them",
        "",
    ]
