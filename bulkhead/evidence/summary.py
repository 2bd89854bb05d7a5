"""SUMMARY.md: the incident told for a person (auditor, DPO, board), generated from verified entries only.

Each line cites the entry it comes from (`seq`), so a reader can check it in `views/timeline.json`.
When the ledger failed verification, only the entries before the first bad one are used, and the
summary says so. What the ledger does not hold is listed as not recorded, never guessed. The
sections follow what an auditor asks (SOC 2 CC7.3-CC7.5, ISO 27001 A.5.24-A.5.28, GDPR Art. 33(5)).
"""

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bulkhead.evidence.dispositions import SignalDispositions, verified_rows
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
    EntryType.ACTION_APPLIED,  # a manual task done names the person in `by`
    EntryType.TASK_DONE,
    EntryType.CLOCK_MET,
    EntryType.CLOCK_MISSED,
    EntryType.CLOCK_FILED_LATE,
    EntryType.CLOCK_WITHDRAWN,
    EntryType.ACTION_REVERTED,
    EntryType.RESTORE_COMPLETED,
    EntryType.ANCHORS_REPAIRED,
    EntryType.DPO_INFORMED,
    EntryType.BREACH_FACTS,
    EntryType.REVIEW_RECORDED,
    EntryType.INCIDENT_RESOLVED,
)
_CLOCK_EVENTS = {EntryType.CLOCK_MET, EntryType.CLOCK_MISSED, EntryType.CLOCK_FILED_LATE, EntryType.CLOCK_WITHDRAWN}
# The clocks of 72 hours from awareness whose pass or fail an auditor asks for first.
HOURS_72 = ("gdpr_art33", "uk_gdpr")
_KIND = {
    "person": "person",
    "iam_principal": "IAM principal",
    "os_user": "OS login (no roster)",
    "function": "**function only**",
}


class _Entry:
    def __init__(self, sealed: SealedEntry) -> None:
        body = json.loads(sealed.body)
        self.seq: int = sealed.seq
        self.type = EntryType(body["type"])
        self.actor: str = body["actor"]
        self.at = datetime.fromisoformat(body["at"])
        self.data: dict[str, Any] = body["data"]


_PEOPLE = ("person:", "operator:")


def acted_by(actor: str, data: dict[str, Any]) -> dict[str, str]:
    """Who acted, as docs/evidence-format.md section 7 derives it: a person, an IAM principal or an OS
    login named by the entry's actor, else by its `data.by` (a function recording what a person did),
    else only a function."""
    for source, value in (("actor", actor), ("data.by", data.get("by"))):
        if not isinstance(value, str):
            continue
        for prefix in _PEOPLE:
            if value.startswith(prefix):
                return {"kind": "person", "name": value[len(prefix) :], "source": source}
        if value.startswith("arn:"):
            return {"kind": "iam_principal", "name": value, "source": source}
        if value.startswith("iam:"):
            return {"kind": "iam_principal", "name": value.removeprefix("iam:"), "source": source}
        if value.startswith("os-user:"):  # a login no roster vouches for (a restore run without one)
            return {"kind": "os_user", "name": value.removeprefix("os-user:"), "source": source}
    return {"kind": "function", "name": actor, "source": "actor"}


def render_summary(
    incident_id: str,
    entries: Sequence[SealedEntry],
    verdict: LedgerVerdict,
    drafts_included: Sequence[str] = (),
    dispositions: SignalDispositions | None = None,
) -> str:
    trusted = entries if verdict.valid else entries[: verdict.first_bad_seq or 0]
    items = [_Entry(e) for e in trusted]
    out = [f"# Incident {incident_id}", "", *_verification(verdict, len(entries), len(items))]
    out += _timeline(items) + _who_acted(items) + _dpo(items) + _art33_record(items) + _clocks(items)
    out += _notices(items, set(drafts_included)) + _subjects(items) + _dispositions(items) + _drills(items)
    out += _signals(incident_id, dispositions or SignalDispositions())
    out += _review(items)
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
    out = [
        "## Who acted",
        "",
        "Approvals, manual tasks, filings, restores, repairs, the DPO's information, the Art. 33(5) record and",
        "the review (`views/who_acted.json`). **function only** marks a step no person or IAM principal is",
        "recorded for.",
        "",
        "| what | who | as | at (UTC) | seq |",
        "| --- | --- | --- | --- | --- |",
    ]
    for e in rows:
        who = acted_by(e.actor, e.data)
        out.append(f"| {e.type.value} | {who['name']} | {_KIND[who['kind']]} | {e.at:%Y-%m-%d %H:%M:%S} | {e.seq} |")
    if not rows:
        out.append("No approvals, manual tasks, filings or restores were recorded.")
    for label, kinds in (
        ("approvals", {t for t in ACCOUNTABLE if t.value.startswith("approval.")}),
        ("manual tasks", {EntryType.ACTION_MANUAL_TASK, EntryType.TASK_DONE}),
        ("filings", {EntryType.CLOCK_MET, EntryType.CLOCK_MISSED, EntryType.CLOCK_FILED_LATE}),
        ("restores", {EntryType.ACTION_REVERTED, EntryType.RESTORE_COMPLETED}),
    ):
        if not any(e.type in kinds for e in rows):
            out.append(f"- {label}: none recorded")
    return [*out, ""]


def _dpo(items: list[_Entry]) -> list[str]:
    told = sorted((e for e in items if e.type is EntryType.DPO_INFORMED), key=lambda e: e.at)
    declared = _first(items, EntryType.INCIDENT_DECLARED)
    out = ["## When the DPO was told", ""]
    if not told:
        return [*out, "- not recorded (`bulkhead incident dpo-informed` records it)", ""]
    first = told[0]
    since = f", {(first.at - declared.at).total_seconds() / 3600:.2f} h after declaration" if declared else ""
    out.append(
        f"- first told: {first.data.get('person')} at {first.at:%Y-%m-%d %H:%M:%S} UTC by "
        f"{first.data.get('channel')}{since} (seq {first.seq})"
    )
    out += [
        f"- also told: {e.data.get('person')} at {e.at:%Y-%m-%d %H:%M:%S} UTC by {e.data.get('channel')} (seq {e.seq})"
        for e in told[1:]
    ]
    return [*out, ""]


def _art33_record(items: list[_Entry]) -> list[str]:
    history = [e for e in items if e.type is EntryType.BREACH_FACTS]
    out = ["## GDPR Art. 33(5) record: facts, effects, remedial action", ""]
    if not history:
        return [*out, "- not recorded (`bulkhead incident facts` records it)", ""]
    latest = history[-1]
    out.append(
        f"Revision {latest.data.get('revision')} by {latest.data.get('by')} at {latest.at:%Y-%m-%d %H:%M:%S} UTC "
        f"(seq {latest.seq}; the latest counts):"
    )
    for field, label in (("facts", "Facts"), ("effects", "Effects"), ("remedial", "Remedial action")):
        out += ["", f"**{label}.** {latest.data.get(field)}"]
    if len(history) > 1:
        out += ["", "Earlier revisions (in `views/breach_facts.json`):"]
        out += [
            f"- revision {e.data.get('revision')} by {e.data.get('by')} at {e.at:%Y-%m-%d %H:%M:%S} UTC (seq {e.seq})"
            for e in history[:-1]
        ]
    return [*out, ""]


def _clock_outcome(events: list[_Entry]) -> tuple[str, _Entry | None]:
    """The clock's standing after its last filing, miss or withdrawal: met, missed, filed late or open."""
    if not events:
        return "open", None
    last = events[-1]
    if last.type is EntryType.CLOCK_WITHDRAWN:
        return ("missed" if last.data.get("status") == "missed" else "open"), last
    if last.type is EntryType.CLOCK_MET and not last.data.get("late"):
        return "met", last
    return ("filed late" if last.type is EntryType.CLOCK_FILED_LATE else "missed"), last


def _clocks(items: list[_Entry]) -> list[str]:
    out = [
        "## Regulatory clocks",
        "",
        "| clock | authority | deadline | outcome | by | seq |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    verdicts: list[str] = []
    starts = {e.data.get("clock"): e for e in items if e.type is EntryType.CLOCK_STARTED}
    # Every clock started, and any filed whose start is not in the ledger (started before it, or by hand).
    clocks = list(
        dict.fromkeys(e.data.get("clock") for e in items if e.type in {EntryType.CLOCK_STARTED, *_CLOCK_EVENTS})
    )
    for clock in clocks:
        start = starts.get(clock)
        events = [e for e in items if e.type in _CLOCK_EVENTS and e.data.get("clock") == clock]
        outcome, last = _clock_outcome(events)
        by = last.actor if last is not None else ""
        seq = last.seq if last is not None else start.seq if start is not None else ""
        shown = "open (not filed)" if outcome == "open" else outcome
        authority = start.data.get("authority") if start else "(start not recorded)"
        deadline = (start.data if start else last.data if last else {}).get("deadline")
        out.append(f"| {clock} | {authority} | {deadline} | {shown} | {by} | {seq} |")
        if str(clock).split("/")[0] in HOURS_72:
            verdict = {"met": "PASS", "open": "OPEN (not filed yet)"}.get(outcome, "FAIL")
            reference = f", reference {last.data.get('reference')}" if last and last.data.get("reference") else ""
            verdicts.append(f"- {clock} (72 hours from awareness): **{verdict}** ({shown}{reference}; seq {seq})")
    if not clocks:
        out.append("| none started | | | | | |")
    out += ["", *verdicts] if verdicts else ["", "- no GDPR or UK GDPR 72-hour clock was started"]
    return [*out, ""]


def _notices(items: list[_Entry], in_pack: set[str]) -> list[str]:
    out = ["## Notices", ""]
    drafts = [e for e in items if e.type is EntryType.REGULATOR_NOTICE_DRAFTED]
    for e in drafts:
        name = str(e.data.get("draft_key", "")).rsplit("/", 1)[-1]
        where = f"`notices/regulator/{name}`" if name in in_pack else "not in this pack (not found, or changed since)"
        out.append(
            f"- regulator draft, {e.data.get('regime')} to {e.data.get('authority')}: sha256 "
            f"`{e.data.get('draft_sha256')}`, {where} (seq {e.seq})"
        )
    if not drafts:
        out.append("- regulator drafts: none recorded")
    batches = [e for e in items if e.type is EntryType.NOTIFICATION_BATCH_SENT]
    reached = sum(int(e.data.get("customers_reached", 0) or 0) for e in batches)
    completed = _first(items, EntryType.NOTIFICATION_COMPLETED)
    done = f", completed at seq {completed.seq}" if completed else ""
    out.append(f"- customers reached: {reached} in {len(batches)} batches{done}")
    templates: dict[str, int] = {}
    for e in batches:
        for name in e.data.get("templates") or {}:
            templates.setdefault(str(name), e.seq)
    for name, seq in templates.items():
        digest = next(str(b.data["templates"][name]) for b in batches if name in (b.data.get("templates") or {}))
        where = f"`notices/customer/{name}.json`" if f"{name}.json" in in_pack else "not in this pack (not found)"
        out.append(f"- customer notice template {name}: sha256 `{digest}`, {where} (seq {seq})")
    if batches and not templates:
        out.append("- customer notice templates: the ledger records none for these batches")
    return [*out, ""]


def _subjects(items: list[_Entry]) -> list[str]:
    declared = _first(items, EntryType.INCIDENT_DECLARED)
    escalated = [e for e in items if e.type is EntryType.INCIDENT_ESCALATED and e.data.get("customers") is not None]
    planned = _first(items, EntryType.NOTIFICATION_PLANNED)
    batches = [e for e in items if e.type is EntryType.NOTIFICATION_BATCH_SENT]
    reached = sum(int(e.data.get("customers_reached", 0) or 0) for e in batches)
    out = ["## Data subjects", ""]
    if declared is None and planned is None:
        return [*out, "- not recorded", ""]
    known = None
    if declared is not None:
        known = int(declared.data.get("customers", 0) or 0)
        out.append(f"- affected at declaration: {known} customers (seq {declared.seq})")
    if escalated:
        known = int(escalated[-1].data["customers"])
        out.append(f"- affected after escalation: {known} customers (seq {escalated[-1].seq})")
    if planned is None:
        out.append("- notification audience: not resolved (no notice planned)")
        return [*out, ""]
    resolved = int(planned.data.get("customers", 0) or 0)
    out.append(f"- notification audience resolved: {resolved} customers (seq {planned.seq})")
    out.append(f"- notices reached: {reached} customers in {len(batches)} batches")
    why: list[str] = []
    if planned.data.get("scope_widened"):
        source = planned.data.get("widened_from") or []
        named = source if isinstance(source, str) else ", ".join(str(s) for s in source)
        why.append(f"the audience was widened from {named} to the store")
    if not planned.data.get("scopes"):
        why.append("the declaration gave a count but named no customers, so the audience resolved to none")
    if planned.data.get("required") is False:
        why.append("the plan required no customer notice")
    if planned.data.get("mode") in {"drill", "dry_run"} and resolved != reached:
        why.append(f"a {planned.data.get('mode')} reaches no real customer")
    unreachable = int(planned.data.get("unreachable", 0) or 0)
    if unreachable:
        why.append(f"{unreachable} customers have no usable address")
    if known is not None and known == resolved == reached:
        out.append(f"- the counts agree: {known} known, resolved and reached")
    elif why:
        out.append(f"- the counts differ because {'; '.join(why)} (seq {planned.seq})")
    else:
        out.append("- **the counts differ and the ledger records no reason**")
    return [*out, ""]


def _dispositions(items: list[_Entry]) -> list[str]:
    counts = Counter(str(e.data.get("outcome")) for e in items if e.type is EntryType.SIGNAL_DISPOSITION)
    listed = ", ".join(f"{outcome}: {n}" for outcome, n in sorted(counts.items())) or "none recorded"
    out = ["## Signal dispositions", "", f"- {listed}"]
    out += [
        f"- {e.data.get('outcome')}: signal {e.data.get('signal_id', '?')} (seq {e.seq})"
        for e in items
        if e.type is EntryType.SIGNAL_DISPOSITION
    ]
    # Signals merged into the incident are counted per correlation window at their 1st, 10th, 100th...
    windows: dict[str, _Entry] = {}
    for entry in (e for e in items if e.type is EntryType.SIGNAL_DISPOSITIONS_COUNTED):
        windows[str(entry.data.get("window_sha256"))] = entry
    out += [
        f"- merged: at least {e.data.get('signals')} signals in one correlation window (seq {e.seq}; "
        "each signal's own disposition is listed below, from its day's chain)"
        for e in windows.values()
    ]
    return [*out, ""]


def _signals(incident_id: str, dispositions: SignalDispositions) -> list[str]:
    """Every signal correlated into the incident, from the verified entries of the day chains, and
    whether their count is what the incident's correlation windows counted."""
    out = ["## Dispositions of the incident's signals", ""]
    failed = [c for c in dispositions.chains if not c.verdict.valid]
    out += [
        f"- **{c.name} FAILED VERIFICATION** (first bad entry seq {c.verdict.first_bad_seq}: {c.verdict.problem}): "
        "only its entries before it are listed"
        for c in failed
    ]
    rows = verified_rows(incident_id, dispositions)
    if not rows:
        out.append("- no disposition recorded in the day chains")
    else:
        out += [
            "| signal | source | received (UTC) | disposition | reason | entry |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        out += [
            f"| {d.get('signal_id')} | {d.get('source')} | {d.get('received_at')} | {d.get('outcome')} | "
            f"{str(d.get('reason', '')).replace('|', '/')} | {chain} seq {seq} |"
            for chain, seq, d in ((c, q, b["data"]) for c, q, b in rows)
        ]
    out.append("")
    recorded: Counter[tuple[str, str]] = Counter(
        (str(b["data"].get("window_sha256")), str(b["data"].get("outcome"))) for _, _, b in rows
    )
    for w in dispositions.windows:
        counted = {"declared": w.declared, "merged": w.merged, "ignored": w.ignored}
        found = {outcome: recorded[(w.window_sha256, outcome)] for outcome in counted}
        where = f"correlation window {w.window_sha256[:12]} ({w.day})"
        if found == counted:
            out.append(f"- {where}: the counts agree: {_counts(counted)}")
        else:
            out.append(
                f"- **{where}: the counts differ**: the window counts {_counts(counted)}, "
                f"the day chains record {_counts(found)}"
            )
    return [*out, ""]


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {outcome}" for outcome, n in counts.items())


def _drills(items: list[_Entry]) -> list[str]:
    cards = [e for e in items if e.type is EntryType.DRILL_SCORED]
    declared = _first(items, EntryType.INCIDENT_DECLARED)
    out = ["## Drill scorecards", ""]
    out += [
        f"- {e.data.get('scenario', 'drill')}: {'passed' if e.data.get('passed') else 'FAILED'}"
        f"{' (failed steps: ' + ', '.join(e.data['failed_steps']) + ')' if e.data.get('failed_steps') else ''}"
        f" (seq {e.seq})"
        for e in cards
    ]
    if declared is not None and declared.data.get("mode") == "drill" and not cards:
        out.append(
            f"- this drill is **NOT SCORED**: no scorecard was recorded (the thin-path drill, `make drill`, records "
            f"none) (seq {declared.seq})"
        )
    elif not cards:
        out.append("- not a drill: no scorecard")
    return [*out, ""]


def _review(items: list[_Entry]) -> list[str]:
    reviews = [e for e in items if e.type is EntryType.REVIEW_RECORDED]
    out = ["## Post-incident review", ""]
    if not reviews:
        return [*out, "- not recorded yet (`bulkhead review` writes and signs it)", ""]
    latest = reviews[-1]
    out.append(
        f"- by {latest.data.get('by')} at {latest.at:%Y-%m-%d %H:%M:%S} UTC (seq {latest.seq}): `review/review.md` "
        f"sha256 `{latest.data.get('sha256')}`, `review/review.html` sha256 `{latest.data.get('html_sha256')}`"
    )
    out += [f"- earlier review by {e.data.get('by')} (seq {e.seq}), superseded" for e in reviews[:-1]]
    return [*out, ""]
