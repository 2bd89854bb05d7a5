"""Email through SES v1 `SendBulkTemplatedEmail` (50 destinations per call) and `GetSendQuota`.

SES v2's bulk call is not in moto, v1's is, and both count recipients against the same quota.
Each destination's status decides its fate: Success is confirmed, throttling and transient
failures are retried, the rest are refused for good (recorded as failed, never resent).
"""

import json
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from functions.common.errors import PermanentActionFailure, PlatformThrottled, TransientPlatformError
from functions.notification import notices
from functions.notification.models import EmailSendResult, Recipient, RenderedNotice

RETRYABLE_STATUSES = {"AccountThrottled", "TransientFailure", "Failed"}
THROTTLING_CODES = {"Throttling", "ThrottlingException", "MaxSendingRateExceeded", "TooManyRequestsException"}


class SesBulkSender:
    def __init__(self, ses: Any, sender: str, configuration_set: str | None, incident_id: str) -> None:
        self._ses = ses
        self._sender = sender
        self._configuration_set = configuration_set
        self._incident_id = incident_id
        self._templates: set[str] = set()

    def max_send_rate(self) -> float:
        try:
            return float(self._ses.get_send_quota()["MaxSendRate"])
        except ClientError as exc:
            raise _translated(exc) from exc

    def ensure_template(self, name: str, notice: RenderedNotice) -> None:
        """Create or update the SES template; idempotent, once per process per template."""
        if name in self._templates:
            return
        template = {
            "TemplateName": name,
            "SubjectPart": notice.subject,
            "TextPart": notice.text,
            "HtmlPart": notice.html,
        }
        try:
            self._ses.create_template(Template=template)
        except ClientError as exc:
            if "AlreadyExists" not in str(exc.response.get("Error", {}).get("Code", "")):
                raise _translated(exc) from exc
            self._ses.update_template(Template=template)
        self._templates.add(name)

    def send_bulk(self, template: str, recipients: Sequence[Recipient]) -> EmailSendResult:
        if not 1 <= len(recipients) <= 50:
            raise ValueError("SendBulkTemplatedEmail takes 1 to 50 destinations")
        call: dict[str, Any] = {
            "Source": self._sender,
            "Template": template,
            "DefaultTemplateData": json.dumps({"greeting": ""}),
            "DefaultTags": [{"Name": "bulkhead-incident", "Value": self._incident_id}],
            "Destinations": [
                {
                    "Destination": {"ToAddresses": [r.email]},
                    "ReplacementTemplateData": json.dumps({"greeting": notices.greeting(r.language, r.first_name)}),
                }
                for r in recipients
            ],
        }
        if self._configuration_set:
            call["ConfigurationSetName"] = self._configuration_set
        try:
            statuses = self._ses.send_bulk_templated_email(**call)["Status"]
        except ClientError as exc:
            raise _translated(exc) from exc
        sent: list[int] = []
        retryable: list[int] = []
        rejected: list[int] = []
        for index, status in enumerate(statuses):
            # SES reports a Status per destination; an entry with only a MessageId (moto) was accepted.
            code = status.get("Status") or ("Success" if status.get("MessageId") else "Failed")
            (sent if code == "Success" else retryable if code in RETRYABLE_STATUSES else rejected).append(index)
        return EmailSendResult(sent=tuple(sent), retryable=tuple(retryable), rejected=tuple(rejected))


def _translated(exc: ClientError) -> Exception:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    if code in THROTTLING_CODES or "Throttl" in code:
        return PlatformThrottled(f"SES throttled: {code}")
    if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
        return TransientPlatformError(f"SES failed: {code}")
    return PermanentActionFailure(f"SES refused: {code}")
