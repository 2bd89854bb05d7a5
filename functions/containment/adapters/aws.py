"""AWS-side containment with boto3 clients passed in: WAF IP set, Secrets Manager, S3.

Targets: WAF `scope/name/id` of the IP set with the addresses as `subjects` (`ip:203.0.113.7/32`);
a secret's id or ARN; a bucket's name.
"""

import secrets
import uuid
from typing import Any

from botocore.exceptions import ClientError

from functions.common.errors import PermanentActionFailure, PlatformThrottled, TransientPlatformError
from functions.containment.checks import compared, digest
from functions.containment.models import PlannedAction, RestoreCheck

# The client's own retries (standard mode) have already run out when one of these reaches us: the
# state machine's Retry (backoff, jitter) takes over, and the stored pre-state keeps it idempotent.
_THROTTLED = {"ThrottlingException", "Throttling", "TooManyRequestsException", "SlowDown", "RequestLimitExceeded"}
_RETRYABLE = {
    "WAFOptimisticLockException",  # another writer changed the IP set between our read and write
    "WAFUnavailableEntityException",
    "WAFInternalErrorException",
    "InternalServiceError",
    "InternalError",
    "ServiceUnavailable",
}


def _raise(exc: ClientError, what: str) -> None:
    code = exc.response.get("Error", {}).get("Code", "Unknown")
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code in _THROTTLED or status == 429:
        raise PlatformThrottled(f"{what}: {code}") from exc
    if code in _RETRYABLE or status >= 500:
        raise TransientPlatformError(f"{what}: {code}") from exc
    raise PermanentActionFailure(f"{what}: {code}") from exc


class WafIpBlock:
    """Add addresses to a WAFv2 IP set that a block rule references; restore removes only those added."""

    def __init__(self, wafv2: Any) -> None:
        self._waf = wafv2

    @staticmethod
    def _ref(target: str) -> dict[str, str]:
        try:
            scope, name, set_id = target.split("/", 2)
        except ValueError:
            raise PermanentActionFailure("WAF target must be <REGIONAL|CLOUDFRONT>/<ip set name>/<ip set id>") from None
        return {"Scope": scope, "Name": name, "Id": set_id}

    def _read(self, target: str) -> tuple[list[str], str]:
        try:
            response = self._waf.get_ip_set(**self._ref(target))
        except ClientError as exc:
            _raise(exc, "wafv2 GetIPSet")
        return list(response["IPSet"]["Addresses"]), str(response["LockToken"])

    def _write(self, target: str, addresses: list[str], lock: str) -> None:
        try:
            self._waf.update_ip_set(**self._ref(target), Addresses=sorted(addresses), LockToken=lock)
        except ClientError as exc:
            _raise(exc, "wafv2 UpdateIPSet")

    @staticmethod
    def _wanted(action: PlannedAction) -> list[str]:
        return [s.removeprefix("ip:") for s in action.subjects if s.startswith("ip:")]

    def snapshot(self, action: PlannedAction) -> dict[str, Any]:
        addresses, _ = self._read(action.target)
        return {"addresses": addresses, "block": self._wanted(action)}

    def manual_instructions(self, action: PlannedAction, pre: dict[str, Any]) -> str | None:
        return None

    def apply(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        addresses, lock = self._read(action.target)
        missing = [a for a in pre["block"] if a not in addresses]
        if missing:
            self._write(action.target, addresses + missing, lock)
        return len(missing)

    def verify(self, action: PlannedAction, pre: dict[str, Any]) -> bool:
        addresses, _ = self._read(action.target)
        return set(pre["block"]) <= set(addresses)

    def revert(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        addresses, lock = self._read(action.target)
        added = set(pre["block"]) - set(pre["addresses"])
        keep = [a for a in addresses if a not in added]
        if len(keep) != len(addresses):
            self._write(action.target, keep, lock)
        return len(addresses) - len(keep)

    def restore_check(self, action: PlannedAction, pre: dict[str, Any]) -> RestoreCheck:
        """Restored: the addresses the action added are gone and those there before are still there
        (addresses others added since stay, and are not Bulkhead's to judge). Addresses only as a hash."""
        addresses, _ = self._read(action.target)
        added = set(pre["block"]) - set(pre["addresses"])
        ours = sorted(a for a in addresses if a in added or a in pre["addresses"])
        before = {"addresses": len(pre["addresses"]), "sha256": digest(sorted(pre["addresses"]))}
        after = {"addresses": len(ours), "sha256": digest(ours)}
        left, lost = len(added.intersection(addresses)), len(set(pre["addresses"]) - set(addresses))
        return compared(
            before, after, f"{left} blocked addresses are still in the IP set and {lost} earlier ones are gone"
        )


class SecretRotation:
    """Rotate a leaked secret: its rotation function if it has one, else a new random value.

    The new version's ClientRequestToken is derived from the incident and action, so a retry finds
    its own version instead of rotating twice. Restore moves AWSCURRENT back to the previous
    version. The pre-state holds version ids only, never a secret value.
    """

    def __init__(self, secretsmanager: Any) -> None:
        self._sm = secretsmanager

    def _current(self, secret_id: str) -> str:
        try:
            versions = self._sm.list_secret_version_ids(SecretId=secret_id)["Versions"]
        except ClientError as exc:
            _raise(exc, "secretsmanager ListSecretVersionIds")
        return next(str(v["VersionId"]) for v in versions if "AWSCURRENT" in v.get("VersionStages", []))

    @staticmethod
    def _token(pre: dict[str, Any], action: PlannedAction) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bulkhead:{pre['incident_id']}:{action.action_id}"))

    def snapshot(self, action: PlannedAction) -> dict[str, Any]:
        try:
            described = self._sm.describe_secret(SecretId=action.target)
        except ClientError as exc:
            _raise(exc, "secretsmanager DescribeSecret")
        return {"version_id": self._current(action.target), "rotation_enabled": bool(described.get("RotationEnabled"))}

    def manual_instructions(self, action: PlannedAction, pre: dict[str, Any]) -> str | None:
        return None

    def apply(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        token = self._token(pre, action)
        if self._current(action.target) == token:
            return 0
        try:
            if pre["rotation_enabled"]:
                self._sm.rotate_secret(SecretId=action.target, ClientRequestToken=token, RotateImmediately=True)
            else:
                self._sm.put_secret_value(
                    SecretId=action.target,
                    ClientRequestToken=token,
                    SecretString=secrets.token_urlsafe(48),
                    VersionStages=["AWSCURRENT"],
                )
        except ClientError as exc:
            _raise(exc, "secretsmanager rotation")
        return 1

    def verify(self, action: PlannedAction, pre: dict[str, Any]) -> bool:
        return bool(self._current(action.target) != pre["version_id"])

    def revert(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        current = self._current(action.target)
        if current == pre["version_id"]:
            return 0
        try:
            self._sm.update_secret_version_stage(
                SecretId=action.target,
                VersionStage="AWSCURRENT",
                MoveToVersionId=pre["version_id"],
                RemoveFromVersionId=current,
            )
        except ClientError as exc:
            _raise(exc, "secretsmanager UpdateSecretVersionStage")
        return 1

    def restore_check(self, action: PlannedAction, pre: dict[str, Any]) -> RestoreCheck:
        """Restored: AWSCURRENT is the version that was current before (version ids only, never a value)."""
        current = self._current(action.target)
        return compared(
            {"current_version": pre["version_id"]},
            {"current_version": current},
            "AWSCURRENT is not the pre-incident version",
            "AWSCURRENT is the leaked version again: for a false positive only",
        )


_ALL_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


class BucketPublicAccessBlock:
    """Block all public access on a bucket Macie flagged; restore puts the previous block (or none)."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3

    def _read(self, bucket: str) -> dict[str, bool] | None:
        try:
            return dict(self._s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchPublicAccessBlockConfiguration":
                return None
            _raise(exc, "s3 GetPublicAccessBlock")
        return None

    def snapshot(self, action: PlannedAction) -> dict[str, Any]:
        return {"configuration": self._read(action.target)}

    def manual_instructions(self, action: PlannedAction, pre: dict[str, Any]) -> str | None:
        return None

    def apply(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        if self._read(action.target) == _ALL_BLOCKED:
            return 0
        try:
            self._s3.put_public_access_block(Bucket=action.target, PublicAccessBlockConfiguration=_ALL_BLOCKED)
        except ClientError as exc:
            _raise(exc, "s3 PutPublicAccessBlock")
        return 1

    def verify(self, action: PlannedAction, pre: dict[str, Any]) -> bool:
        return self._read(action.target) == _ALL_BLOCKED

    def revert(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        previous = pre["configuration"]
        if self._read(action.target) == previous:
            return 0
        try:
            if previous is None:
                self._s3.delete_public_access_block(Bucket=action.target)
            else:
                self._s3.put_public_access_block(Bucket=action.target, PublicAccessBlockConfiguration=previous)
        except ClientError as exc:
            _raise(exc, "s3 public access block restore")
        return 1

    def restore_check(self, action: PlannedAction, pre: dict[str, Any]) -> RestoreCheck:
        """Restored: the bucket's public access block is the previous configuration (or none again)."""
        now = self._read(action.target)
        return compared(
            {"configuration": pre["configuration"]},
            {"configuration": now},
            "the bucket's public access block is not the pre-incident configuration",
        )
