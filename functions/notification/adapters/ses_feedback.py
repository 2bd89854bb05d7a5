"""SES feedback as SNS delivers it, reduced to counts: event publishing (`eventType`, with the
`bulkhead-incident` tag the sender set) and identity notifications (`notificationType`)."""

import json
from typing import Any

from functions.notification.models import FeedbackKind, SesFeedback

KINDS = {"Bounce": FeedbackKind.BOUNCE, "Complaint": FeedbackKind.COMPLAINT, "Delivery": FeedbackKind.DELIVERY}
TAG = "bulkhead-incident"


def parse_feedback(message: str) -> SesFeedback:
    try:
        body: dict[str, Any] = json.loads(message)
    except json.JSONDecodeError:
        body = {}
    kind = KINDS.get(str(body.get("eventType") or body.get("notificationType") or ""))
    if kind is None:
        return SesFeedback(kind=FeedbackKind.DELIVERY, incident_id=None, recipients=0)
    tags = (body.get("mail") or {}).get("tags") or {}
    incident = (tags.get(TAG) or [None])[0]
    detail = body.get(kind.value) or {}
    recipients = {
        FeedbackKind.BOUNCE: "bouncedRecipients",
        FeedbackKind.COMPLAINT: "complainedRecipients",
        FeedbackKind.DELIVERY: "recipients",
    }[kind]
    count = len(detail.get(recipients) or []) or 1
    return SesFeedback(
        kind=kind, incident_id=incident, recipients=count, permanent=detail.get("bounceType") == "Permanent"
    )
