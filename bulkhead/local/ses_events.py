"""SES event publishing, locally: the configuration set's SNS event destination, as AWS runs it.

In AWS, SES publishes a bounce, complaint or delivery event of every message sent with the
notices configuration set to the NotificationFeedback topic, and RecordNotificationFeedback is
subscribed to it. moto records configuration sets and their destinations but publishes nothing,
so while installed this module does what SES does for the mailbox simulator's addresses
(success@, bounce@, complaint@simulator.amazonses.com): it publishes SES's event-publishing
message, with the send's tags, to the destination's topic. moto's SNS then delivers it to the
subscribed function through the Lambda seam. Addresses outside the simulator produce no event
(locally nothing is delivered anywhere).
"""

import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from moto.ses.responses import EmailResponse
from moto.sns.models import sns_backends

SIMULATOR = "@simulator.amazonses.com"
# Mailbox simulator address -> (event type, SES's detail for it)
OUTCOMES: dict[str, tuple[str, dict[str, Any]]] = {
    "success": ("Delivery", {"smtpResponse": "250 2.6.0 Message received"}),
    "bounce": ("Bounce", {"bounceType": "Permanent", "bounceSubType": "General"}),
    "suppressionlist": ("Bounce", {"bounceType": "Permanent", "bounceSubType": "Suppressed"}),
    "ooto": ("Bounce", {"bounceType": "Transient", "bounceSubType": "General"}),
    "complaint": ("Complaint", {"complaintFeedbackType": "abuse"}),
}
_RECIPIENTS = {"Delivery": "recipients", "Bounce": "bouncedRecipients", "Complaint": "complainedRecipients"}


def provision_feedback(ses: Any, sns: Any, configuration_set: str, topic_arn: str, function_arn: str) -> None:
    """The configuration set, its SNS event destination and the feedback function's subscription."""
    ses.create_configuration_set(ConfigurationSet={"Name": configuration_set})
    ses.create_configuration_set_event_destination(
        ConfigurationSetName=configuration_set,
        EventDestination={
            "Name": "Feedback",
            "Enabled": True,
            "MatchingEventTypes": ["bounce", "complaint", "delivery"],
            "SNSDestination": {"TopicARN": topic_arn},
        },
    )
    sns.subscribe(TopicArn=topic_arn, Protocol="lambda", Endpoint=function_arn)


def event_message(address: str, source: str, tags: Mapping[str, str], now: datetime) -> dict[str, Any] | None:
    """SES's event-publishing message for one simulator address; None for any other address."""
    local, _, _ = address.lower().partition("@")
    if not address.lower().endswith(SIMULATOR) or local.split("+")[0] not in OUTCOMES:
        return None
    kind, detail = OUTCOMES[local.split("+")[0]]
    at = now.isoformat().replace("+00:00", "Z")
    recipients: list[Any] = [address] if kind == "Delivery" else [{"emailAddress": address}]
    return {
        "eventType": kind,
        "mail": {
            "timestamp": at,
            "source": source,
            "messageId": uuid.uuid4().hex,
            "destination": [address],
            "tags": {name: [value] for name, value in tags.items()},
        },
        kind.lower(): {**detail, "timestamp": at, _RECIPIENTS[kind]: recipients},
    }


@contextmanager
def ses_event_publishing() -> Iterator[None]:
    original = EmailResponse.send_bulk_templated_email

    def publishing(self: EmailResponse) -> Any:
        result = original(self)  # refused sends raise before anything is published, as in SES
        destination = self.backend.config_set_event_destination.get(self._get_param("ConfigurationSetName") or "")
        topic = ((destination or {}).get("SNSDestination") or {}).get("TopicARN")
        if topic and (destination or {}).get("Enabled", True):
            tags = {t["Name"]: t["Value"] for t in self._get_param("DefaultTags", []) or []}
            now = datetime.now(UTC)
            for item in self._get_param("Destinations", []):
                for address in item["Destination"].get("ToAddresses", []):
                    message = event_message(address, self._get_param("Source"), tags, now)
                    if message is not None:
                        backend = sns_backends[self.current_account][self.region]
                        backend.publish(json.dumps(message), arn=topic)
        return result

    EmailResponse.send_bulk_templated_email = publishing  # type: ignore[method-assign]
    try:
        yield
    finally:
        EmailResponse.send_bulk_templated_email = original  # type: ignore[method-assign]
