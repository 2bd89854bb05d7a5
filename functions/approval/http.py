"""The approval link over HTTP (API Gateway HTTP API, payload 2.0), on Powertools' resolver.

GET /approvals?token=...  -> a page naming the incident, the stage and the person the link is for
                             ("You are deciding as ..."), with approve / reject buttons; a notice
                             review's page shows every notice as it will be sent, its SHA-256, the
                             audience count and the channels
POST /approvals (form)    -> the decision, as the link's person (the form takes no name); 400 names a
                             missing or bad field, 403 a bad, expired or tampered link, 409 when
                             nothing waits any more (decided or escalated past).

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
from functions.approval.domain import NoPendingApproval, decide_by_link, link_person
from functions.approval.links import InvalidApprovalLink, verify_link
from functions.approval.models import LinkClaims, LinkDecision
from functions.approval.notice_review import NoPendingReview, ReviewedNoticeChanged, decide_review_by_link
from functions.approval.ports import ApprovalStore, Execution, NoticeReviewStore
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
    '<p id="deciding-as">You are deciding as <b>{{ person }}</b>{% if role %} ({{ role }}){% endif %}.</p>'
    "<p>Incident <b>{{ incident_id }}</b>, escalation stage {{ stage }}; this link works until "
    "{{ expires_at }} UTC.</p>{{ briefing }}"
    '<form method="post" action="approvals">'
    '<input type="hidden" name="token" value="{{ token }}">'
    '<label>{{ note_label }} <input name="note" maxlength="500"></label> '
    '<button name="decision" value="approve">Approve</button> '
    '<button name="decision" value="reject">Reject</button></form>'
)
_NOTICES = _PAGES.from_string(
    '<dl id="notice-review"><dt>SHA-256</dt><dd><code>{{ d.sha256 }}</code></dd>'
    "<dt>Customers</dt><dd>{{ d.customers }}</dd><dt>Channels</dt><dd>{{ d.channels | join(', ') }}</dd>"
    "<dt>Dated</dt><dd>{{ d.notice_on }}</dd></dl>"
    "<p>Each customer's greeting is filled in at sending; nothing else changes. "
    "Nothing is sent before a decision.</p>"
    "{% for n in d.notices %}<section><h2>{{ n.key }}</h2><p>Subject: <b>{{ n.subject }}</b></p>"
    "<pre>{{ n.text }}</pre><p>SMS:</p><pre>{{ n.sms }}</pre><p>SHA-256 <code>{{ n.sha256 }}</code></p>"
    "</section>{% endfor %}"
)


class LinksDisabled(Exception):
    """No approval-link key is configured: the page says to use the CLI."""


def _html(status: int, document: str) -> Response[str]:
    return Response(status, "text/html; charset=utf-8", document, headers=dict(_HEADERS))


def page(status: int, title: str, text: str) -> Response[str]:
    return _html(status, _PAGE.render(title=title, text=text))


def notices_html(claims: LinkClaims, reviews: Callable[[], NoticeReviewStore] | None) -> Markup:
    """The waiting notices as the link's person reads them; none waits at this stage: 409."""
    pending = reviews().get(claims.incident_id) if reviews else None
    if pending is None or pending.stage != claims.stage or pending.escalated:
        raise NoPendingReview(f"incident {claims.incident_id} has no notice review waiting at this link's stage")
    return Markup(_NOTICES.render(d=pending.document))  # noqa: S704 - rendered with autoescape on


def resolver(
    key: Callable[[], bytes | None],
    store: Callable[[], ApprovalStore],
    execution: Callable[[], Execution],
    ledger: Callable[[], Ledger],
    now: Callable[[], datetime],
    history: Callable[[str], Iterable[LedgerEntry]] | None = None,
    reviews: Callable[[], NoticeReviewStore] | None = None,
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
        link_person(claims, claims.kind)
        review = claims.kind == "notice_review"
        if review:
            shown = notices_html(claims, reviews)
        else:
            brief = briefing(history(claims.incident_id)) if history else None
            # briefing_html escapes every value it shows (functions/approval/briefing.py)
            shown = Markup(briefing_html(brief)) if brief is not None else Markup("")  # noqa: S704
        return _html(
            200,
            _DECISION.render(
                title="Send this customer notice?" if review else "Approve the Bulkhead response?",
                person=claims.person_name,
                role=(claims.role or "").replace("_", " "),
                incident_id=claims.incident_id,
                stage=claims.stage,
                expires_at=f"{claims.expires_at:%Y-%m-%d %H:%M}",
                token=token,
                briefing=shown,
                note_label="Reason (required to reject)" if review else "Note",
            ),
        )

    @app.post(PATH)
    def decide() -> Response[str]:
        secret = link_key()
        body = raw_body(app.current_event.raw_event).decode("utf-8", errors="replace")
        form = LinkDecision.model_validate({k: v[0] for k, v in parse_qs(body).items()})
        verb = "approved" if form.decision == "approve" else "rejected"
        if verify_link(form.token, secret, now()).kind == "notice_review":
            if reviews is None:
                raise LinksDisabled
            reviewed = decide_review_by_link(form, secret, reviews(), execution(), ledger(), now())
            who = reviewed.stages[reviewed.stage].person_name
            what = "sent now" if verb == "approved" else "held: nothing is sent"
            return page(200, f"Notice {verb}", f"Incident {reviewed.incident_id}: {verb} by {who}; {what}; recorded.")
        pending = decide_by_link(form, secret, store(), execution(), ledger(), now())
        who = verify_link(form.token, secret, now()).person_name
        return page(200, f"Response {verb}", f"Incident {pending.incident_id}: {verb} by {who}; recorded.")

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

    @app.exception_handler(NoPendingReview)  # type: ignore[untyped-decorator]
    def no_review_waits(exc: NoPendingReview) -> Response[str]:
        earlier = _earlier()
        return page(409, "Nothing waits for a decision", f"Already {earlier}." if earlier else str(exc))

    @app.exception_handler(ReviewedNoticeChanged)  # type: ignore[untyped-decorator]
    def changed(exc: ReviewedNoticeChanged) -> Response[str]:
        return page(409, "The notice changed since this link was made", str(exc))

    def _earlier() -> str | None:
        """Who decided the link's incident, and when (the link was verified before the refusal)."""
        if history is None:
            return None
        body = raw_body(app.current_event.raw_event).decode("utf-8", errors="replace")
        token = {k: v[0] for k, v in parse_qs(body).items()}.get("token", "")
        token = token or (app.current_event.query_string_parameters or {}).get("token", "")
        try:
            claims = verify_link(token, link_key(), now())
        except (InvalidApprovalLink, LinksDisabled):
            return None
        return last_decision(history(claims.incident_id), notice=claims.kind == "notice_review")

    return app
