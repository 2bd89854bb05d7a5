"""SMS through SNS `Publish` to a phone number: transactional, within the account's spend limit."""

from typing import Any

from botocore.exceptions import ClientError

from functions.common.errors import PermanentActionFailure, PlatformThrottled, TransientPlatformError

THROTTLING_CODES = {"Throttling", "ThrottlingException", "ThrottledException"}


class SnsSmsSender:
    def __init__(self, sns: Any, sender_id: str | None = None) -> None:
        self._sns = sns
        self._attributes: dict[str, Any] = {
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}
        }
        if sender_id:
            self._attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": sender_id}

    def send(self, phone: str, text: str) -> None:
        try:
            self._sns.publish(PhoneNumber=phone, Message=text, MessageAttributes=self._attributes)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in THROTTLING_CODES:
                raise PlatformThrottled(f"SNS throttled: {code}") from exc
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
                raise TransientPlatformError(f"SNS failed: {code}") from exc
            raise PermanentActionFailure(f"SNS refused the SMS: {code}") from exc

    def monthly_spend_limit(self) -> float:
        """The account's SMS spend limit in USD (SNS default: 1 USD until raised)."""
        attributes = self._sns.get_sms_attributes(attributes=["MonthlySpendLimit"]).get("attributes", {})
        return float(attributes.get("MonthlySpendLimit") or 1.0)
