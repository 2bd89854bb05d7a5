"""The approval link over HTTP (API Gateway HTTP API, payload 2.0), on Powertools' resolver.

GET /approvals?token=...  -> a page naming the incident and stage, with approve / reject buttons
POST /approvals (form)    -> the decision; 400 names a missing or bad field, 403 a bad or expired
                             link, 409 when nothing waits any more (decided or escalated past).

Pages are rendered by jinja2 with autoescaping on, so no value from a link or a form reaches the
page unescaped.
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from jinja2 import Environment, select_autoescape
from markupsafe import Markup
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

PATH = "/approvals"
_HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",  # the token must not leak to other sites
    "x-frame-options": "DENY",
}
_PAGES = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_PAGE = _PAGES.from_string("<!doctype html><title>{{ title }}</title><h1>{{ title }}</h1><p>{{ text }}</p>")
_DECISION = _PAGES.from_string(
    "<!doctype html><title>{{ title }}</title><h1>{{ title }}</h1>"
    "<p>Incident <b>{{ incident_id }}</b>, escalation stage {{ stage }}; this link works until "
    "{{ expires_at }} UTC.</p>{{ briefing }}"
    '<form method="post" action="approvals">'
    '<input type="hidden" name="token" value="{{ token }}">'
    '<label>Your name <input name="approver" required maxlength="128"></label> '
    '<label>Note <input name="note" maxlength="500"></label> '
    '<button name="decision" value="approve">Approve</button> '
    '<button name="decision" value="reject">Reject</button></form>'
)


class LinksDisabled(Exception):
    """No approval-link key is configured: the page says to use the CLI."""


def _html(status: int, document: str) -> Response[str]:
    return Response(status, "text/html; charset=utf-8", document, headers=dict(_HEADERS))


def page(status: int, title: str, text: str) -> Response[str]:
    return _html(status, _PAGE.render(title=title, text=text))


def resolver(
    key: Callable[[], bytes | None],
    store: Callable[[], ApprovalStore],
    execution: Callable[[], Execution],
    ledger: Callable[[], Ledger],
    now: Callable[[], datetime],
    history: Callable[[str], Iterable[LedgerEntry]] | None = None,
) -> APIGatewayHttpResolver:
    """The approval routes, with each refusal mapped to its status and a page that says why.

    `history` reads an incident's ledger: the page briefs the approver on the incident and the plan,
    and a late decision is told who decided and when.
    """
    app = APIGatewayHttpResolver()

    def link_key() -> bytes:
        found = key()
        if found is None:
            raise LinksDisabled
        return found

    @app.get(PATH)
    def show() -> Response[str]:
        token = (app.current_event.query_string_parameters or {}).get("token", "")
        claims = verify_link(token, link_key(), now())
        brief = briefing(history(claims.incident_id)) if history else None
        # briefing_html escapes every value it shows (functions/approval/briefing.py)
        shown = Markup(briefing_html(brief)) if brief is not None else ""  # noqa: S704
        return _html(
            200,
            _DECISION.render(
                title="Approve the Bulkhead response?",
                incident_id=claims.incident_id,
                stage=claims.stage,
                expires_at=f"{claims.expires_at:%Y-%m-%d %H:%M}",
                token=token,
                briefing=shown,
            ),
        )

    @app.post(PATH)
    def decide() -> Response[str]:
        secret = link_key()
        body = raw_body(app.current_event.raw_event).decode("utf-8", errors="replace")
        form = LinkDecision.model_validate({k: v[0] for k, v in parse_qs(body).items()})
        pending = decide_by_link(form, secret, store(), execution(), ledger(), now())
        verb = "approved" if form.decision == "approve" else "rejected"
        return page(200, f"Response {verb}", f"Incident {pending.incident_id}: {verb} by {form.approver}; recorded.")

    @app.exception_handler(LinksDisabled)  # type: ignore[untyped-decorator]
    def disabled(_: LinksDisabled) -> Response[str]:
        return page(404, "Approval links are not enabled", "Use `bulkhead approve INCIDENT` instead.")

    @app.exception_handler(ValidationError)  # type: ignore[untyped-decorator]
    def incomplete(exc: ValidationError) -> Response[str]:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}" for e in exc.errors())
        return page(400, "The decision is incomplete", problems)

    @app.exception_handler(MalformedBody)  # type: ignore[untyped-decorator]
    def malformed(exc: MalformedBody) -> Response[str]:
        return page(400, "The decision is incomplete", str(exc))

    @app.exception_handler(InvalidApprovalLink)  # type: ignore[untyped-decorator]
    def unusable(exc: InvalidApprovalLink) -> Response[str]:
        return page(403, "This approval link cannot be used", str(exc))

    @app.exception_handler(NoPendingApproval)  # type: ignore[untyped-decorator]
    def nothing_waits(exc: NoPendingApproval) -> Response[str]:
        earlier = _earlier()
        return page(409, "Nothing waits for a decision", f"Already {earlier}." if earlier else str(exc))

    def _earlier() -> str | None:
        """Who decided the link's incident, and when (the link was verified before the refusal)."""
        if history is None:
            return None
        body = raw_body(app.current_event.raw_event).decode("utf-8", errors="replace")
        token = {k: v[0] for k, v in parse_qs(body).items()}.get("token", "")
        try:
            incident_id = verify_link(token, link_key(), now()).incident_id
        except (InvalidApprovalLink, LinksDisabled):
            return None
        return last_decision(history(incident_id))

    return app
