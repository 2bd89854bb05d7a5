"""SES bounces and complaints, delivered by SNS, recorded in the incident's ledger as counts."""

import json
from typing import Any

from bulkhead.local.runtime import LocalFabric
from functions.common import clients
from functions.ledger.adapters.dynamodb import DynamoLedgerStore

INCIDENT = "inc-feedback-0001"


def ses_event(kind: str, incident: str | None, addresses: list[str], bounce_type: str = "Permanent") -> str:
    detail: dict[str, Any] = {
        "Bounce": {"bounceType": bounce_type, "bouncedRecipients": [{"emailAddress": a} for a in addresses]},
        "Complaint": {"complainedRecipients": [{"emailAddress": a} for a in addresses]},
        "Delivery": {"recipients": addresses},
    }[kind]
    tags = {"bulkhead-incident": [incident]} if incident else {}
    return json.dumps({"eventType": kind, "mail": {"destination": addresses, "tags": tags}, kind.lower(): detail})


def sns_event(*messages: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": "arn:aws:sns:eu-west-1:123456789012:bulkhead-notificationfeedback:1",
                "EventSource": "aws:sns",
                "Sns": {
                    "SignatureVersion": "1",
                    "Timestamp": "2026-11-27T10:00:00.000Z",
                    "Signature": "x",
                    "SigningCertUrl": "https://sns.eu-west-1.amazonaws.com/cert.pem",
                    "MessageId": f"m-{n}",
                    "Message": message,
                    "MessageAttributes": {},
                    "Type": "Notification",
                    "UnsubscribeUrl": "https://sns.eu-west-1.amazonaws.com/unsubscribe",
                    "TopicArn": "arn:aws:sns:eu-west-1:123456789012:bulkhead-notificationfeedback",
                    "Subject": None,
                },
            }
            for n, message in enumerate(messages)
        ]
    }


def test_bounces_and_complaints_are_recorded_as_counts_without_addresses(fabric: LocalFabric) -> None:
    # Given SES feedback for our incident (two permanent bounces, one transient, one complaint) and a stranger's
    event = sns_event(
        ses_event("Bounce", INCIDENT, ["gone1@customer.example", "gone2@customer.example"]),
        ses_event("Bounce", INCIDENT, ["full@customer.example"], bounce_type="Transient"),
        ses_event("Complaint", INCIDENT, ["angry@customer.example"]),
        ses_event("Bounce", None, ["other@marketing.example"]),
    )

    # When the feedback function receives it from the topic
    fabric.invoke("RecordNotificationFeedback", event)

    # Then one ledger entry holds the counts, and no address
    entries = list(DynamoLedgerStore(clients.client("dynamodb"), fabric.tables["Ledger"]).entries(INCIDENT))
    assert [e.type.value for e in entries] == ["notification.feedback"]
    assert entries[0].data == {"bounces": 3, "permanent_bounces": 2, "complaints": 1, "deliveries": 0}
    assert "customer.example" not in json.dumps(entries[0].model_dump(mode="json"))
