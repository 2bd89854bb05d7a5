"""The approval link over HTTP (API Gateway HTTP API, payload 2.0).

GET /approvals?token=...  -> a page naming the incident and stage, with approve / reject buttons
POST /approvals (form)    -> the decision; 400 names a missing or bad field, 403 a bad or expired
                             link, 409 when nothing waits any more (decided or escalated past).
"""

import html
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs

from pydantic import ValidationError

from functions.approval.briefing import briefing, briefing_html
from functions.approval.decided import last_decision
from functions.approval.domain import NoPendingApproval, decide_by_link
from functions.approval.links import InvalidApprovalLink, verify_link
from functions.approval.models import LinkDecision
from functions.approval.ports import ApprovalStore, Execution
from functions.common.http import MalformedBody, raw_body
from functions.ledger.models import LedgerEntry
from functions.ledger.ports import Ledger


def respond(
    event: dict[str, Any],
    key: bytes | None,
    store: ApprovalStore,
    execution: Execution,
    ledger: Ledger,
    now: datetime,
    history: Callable[[str], Iterable[LedgerEntry]] | None = None,
) -> dict[str, Any]:
    """`history` reads an incident's ledger: the page briefs the approver, a late decision is told who decided."""
    if key is None:
        return _page(404, "Approval links are not enabled", "Use `bulkhead approve INCIDENT` instead.")
    method = str(event.get("requestContext", {}).get("http", {}).get("method", "GET")).upper()
    try:
        if method == "GET":
            token = (event.get("queryStringParameters") or {}).get("token", "")
            claims = verify_link(token, key, now)
            brief = briefing(history(claims.incident_id)) if history else None
            page = _decision_page(token, claims.incident_id, claims.stage, claims.expires_at)
            return page if brief is None else _with_briefing(page, briefing_html(brief))
        form = LinkDecision.model_validate({k: v[0] for k, v in parse_qs(_body(event)).items()})
        pending = decide_by_link(form, key, store, execution, ledger, now)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}" for e in exc.errors())
        return _page(400, "The decision is incomplete", problems)
    except MalformedBody as exc:
        return _page(400, "The decision is incomplete", str(exc))
    except InvalidApprovalLink as exc:
        return _page(403, "This approval link cannot be used", str(exc))
    except NoPendingApproval as exc:
        earlier = _earlier(event, key, history, now)
        return _page(409, "Nothing waits for a decision", f"Already {earlier}." if earlier else str(exc))
    verb = "approved" if form.decision == "approve" else "rejected"
    return _page(200, f"Response {verb}", f"Incident {pending.incident_id}: {verb} by {form.approver}; recorded.")


def _with_briefing(page: dict[str, Any], brief: str) -> dict[str, Any]:
    return {**page, "body": str(page["body"]).replace('<form method="post"', brief + '<form method="post"', 1)}


def _earlier(
    event: dict[str, Any], key: bytes, history: Callable[[str], Iterable[LedgerEntry]] | None, now: datetime
) -> str | None:
    """Who decided the link's incident, and when (the link was verified before the decision was refused)."""
    if history is None:
        return None
    token = {k: v[0] for k, v in parse_qs(_body(event)).items()}.get("token", "")
    try:
        incident_id = verify_link(token, key, now).incident_id
    except InvalidApprovalLink:
        return None
    return last_decision(history(incident_id))


def _body(event: dict[str, Any]) -> str:
    return raw_body(event).decode("utf-8", errors="replace")


def _decision_page(token: str, incident_id: str, stage: int, expires_at: datetime) -> dict[str, Any]:
    form = (
        f"<p>Incident <b>{html.escape(incident_id)}</b>, escalation stage {stage}; this link works until "
        f"{expires_at:%Y-%m-%d %H:%M} UTC.</p>"
        '<form method="post" action="approvals">'
        f'<input type="hidden" name="token" value="{html.escape(token)}">'
        '<label>Your name <input name="approver" required maxlength="128"></label> '
        '<label>Note <input name="note" maxlength="500"></label> '
        '<button name="decision" value="approve">Approve</button> '
        '<button name="decision" value="reject">Reject</button></form>'
    )
    return _html(200, "Approve the Bulkhead response?", form)


def _page(status: int, title: str, text: str) -> dict[str, Any]:
    return _html(status, title, f"<p>{html.escape(text)}</p>")


def _html(status: int, title: str, body: str) -> dict[str, Any]:
    document = f"<!doctype html><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>{body}"
    return {
        "statusCode": status,
        "headers": {
            "content-type": "text/html; charset=utf-8",
            "cache-control": "no-store",
            "referrer-policy": "no-referrer",  # the token must not leak to other sites
            "x-frame-options": "DENY",
        },
        "body": document,
    }
