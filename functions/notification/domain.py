"""Notify affected customers.

This step resolves the audience from the incident's scope and records what is owed to whom (as
counts); sending through SES and SNS plugs in behind `NotificationSender`.
"""

from datetime import datetime

from functions.ledger.models import EntryDraft, EntryType
from functions.ledger.ports import Ledger
from functions.notification.models import NotificationOutcome, NotifyRequest

ACTOR = "notification"


def notify_customers(request: NotifyRequest, ledger: Ledger, now: datetime) -> NotificationOutcome:
    plan = request.notification
    customers = [s for s in plan.subject_ids if s.startswith("customer:")]
    planned = len(customers) if plan.required else 0
    ledger.append(
        request.incident_id,
        EntryDraft(
            type=EntryType.NOTIFICATION_PLANNED,
            actor=ACTOR,
            at=now,
            data={
                "customers": planned,
                "channels": [c.value for c in plan.channels],
                "required": plan.required,
                "mode": request.mode.value,
            },
        ),
    )
    return NotificationOutcome(planned=planned, sent=0, skipped=planned, channels=plan.channels)
