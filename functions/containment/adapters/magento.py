"""The containment executors on Adobe Commerce REST (functions/common/magento_rest.py).

Core REST has no endpoints for these levers; they go through the Bulkhead companion module's
contract (docs/adobe-commerce-companion.md). Mutations carry an `Idempotency-Key` derived from the
incident, the action and the phase, so a retried call after a lost response does nothing twice.
"""

from typing import Any
from urllib.parse import quote

from functions.common.magento_rest import MagentoRest
from functions.containment.checks import compared, digest, not_reversible
from functions.containment.models import PlannedAction, RestoreCheck

LOCKED_UNTIL = "2100-01-01 00:00:00"  # Magento's admin lock is a lock_expires datetime
RECALLED = 2  # core integration status STATUS_RECALLED
REST_PREFIX = "/rest/V1"


def _key(action: PlannedAction, pre: dict[str, Any], phase: str, item: str = "") -> str:
    return f"{pre['incident_id']}:{action.action_id}:{phase}:{item}"[:128]


def customer_id(subject: str) -> str:
    return subject.removeprefix("customer:")


class CustomerTokens:
    """Revoke every access token of the affected customers. Not reversible: they sign in again.

    Revocation is unconditional: JWT customer tokens (Adobe Commerce 2.4.4 and later) cannot be
    counted, so the companion reports `active_tokens: null` for them and revokes by time
    (`revoked_at`: tokens issued before it stop working). Verification reads that back.
    """

    def __init__(self, rest: MagentoRest) -> None:
        self._rest = rest

    def _status(self, cid: str) -> dict[str, Any]:
        return dict(self._rest.call("GET", f"/bulkhead/customers/{quote(cid)}/tokens"))

    def snapshot(self, action: PlannedAction) -> dict[str, Any]:
        ids = [customer_id(s) for s in action.subjects if s.startswith("customer:")]
        return {"tokens": {cid: self._status(cid).get("active_tokens") for cid in ids}}

    def manual_instructions(self, action: PlannedAction, pre: dict[str, Any]) -> str | None:
        return None

    def apply(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        for cid in pre["tokens"]:
            self._rest.call(
                "POST", f"/bulkhead/customers/{quote(cid)}/tokens/revoke", {}, _key(action, pre, "apply", cid)
            )
        return len(pre["tokens"])

    def verify(self, action: PlannedAction, pre: dict[str, Any]) -> bool:
        def revoked(status: dict[str, Any]) -> bool:
            return status.get("active_tokens") in (0, None) and bool(status.get("revoked_at"))

        return all(revoked(self._status(cid)) for cid in pre["tokens"])

    def revert(self, action: PlannedAction, pre: dict[str, Any]) -> int | None:
        return None

    def restore_check(self, action: PlannedAction, pre: dict[str, Any]) -> RestoreCheck:
        before = {"customers": len(pre["tokens"]), "sha256": digest(sorted(pre["tokens"]))}
        return not_reversible(
            before,
            before | {"tokens_revoked": True},
            "not reversible by design: revoked customer tokens stay revoked; the customers sign in again",
        )


class AdminUserLock:
    """Lock an admin user (`target`: the username); restore puts back its lock state and activity."""

    def __init__(self, rest: MagentoRest) -> None:
        self._rest = rest

    def _user(self, username: str) -> dict[str, Any]:
        return dict(self._rest.call("GET", f"/bulkhead/admin-users/{quote(username)}"))

    def snapshot(self, action: PlannedAction) -> dict[str, Any]:
        user = self._user(action.target)
        return {"is_active": user["is_active"], "lock_expires": user["lock_expires"]}

    def manual_instructions(self, action: PlannedAction, pre: dict[str, Any]) -> str | None:
        return None

    def apply(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        if self.verify(action, pre):
            return 0
        body = {"lock_expires": LOCKED_UNTIL, "reason": action.reason[:200]}
        self._rest.call("POST", f"/bulkhead/admin-users/{quote(action.target)}/lock", body, _key(action, pre, "apply"))
        return 1

    def verify(self, action: PlannedAction, pre: dict[str, Any]) -> bool:
        user = self._user(action.target)
        return user["lock_expires"] == LOCKED_UNTIL and not user["is_active"]

    def revert(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        user = self._user(action.target)
        if (user["is_active"], user["lock_expires"]) == (pre["is_active"], pre["lock_expires"]):
            return 0
        body = {"lock_expires": pre["lock_expires"], "is_active": pre["is_active"]}
        self._rest.call(
            "POST", f"/bulkhead/admin-users/{quote(action.target)}/unlock", body, _key(action, pre, "revert")
        )
        return 1

    def restore_check(self, action: PlannedAction, pre: dict[str, Any]) -> RestoreCheck:
        """Restored: the user's activity and lock expiry are the snapshot's (the username stays out of the record)."""
        user = self._user(action.target)
        before = {"is_active": pre["is_active"], "lock_expires": pre["lock_expires"]}
        after = {"is_active": user["is_active"], "lock_expires": user["lock_expires"]}
        return compared(
            before, after, f"the admin user reads is_active={user['is_active']}, lock_expires={user['lock_expires']}"
        )


class _Toggle:
    """A resource with one switch: read it, set it off, put the old value back."""

    path: str
    field: str
    off: Any

    def __init__(self, rest: MagentoRest) -> None:
        self._rest = rest

    def _url(self, action: PlannedAction) -> str:
        return self.path.format(quote(action.target))

    def _read(self, action: PlannedAction) -> Any:
        return self._rest.call("GET", self._url(action))[self.field]

    def _write(self, action: PlannedAction, value: Any, key: str) -> None:
        raise NotImplementedError

    def snapshot(self, action: PlannedAction) -> dict[str, Any]:
        return {self.field: self._read(action)}

    def manual_instructions(self, action: PlannedAction, pre: dict[str, Any]) -> str | None:
        return None

    def apply(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        if self._read(action) == self.off:
            return 0
        self._write(action, self.off, _key(action, pre, "apply"))
        return 1

    def verify(self, action: PlannedAction, pre: dict[str, Any]) -> bool:
        return bool(self._read(action) == self.off)

    def revert(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        if self._read(action) == pre[self.field]:
            return 0
        self._write(action, pre[self.field], _key(action, pre, "revert"))
        return 1

    def restore_check(self, action: PlannedAction, pre: dict[str, Any]) -> RestoreCheck:
        """Restored: the switch reads the snapshot's value again."""
        now = self._read(action)
        return compared(
            {self.field: pre[self.field]}, {self.field: now}, f"{self.field} reads {now!r}, not {pre[self.field]!r}"
        )


class IntegrationSwitch(_Toggle):
    """Disable an integration (`target`: its id); its tokens stop working until re-enabled.

    Statuses are core's (`Magento\\Integration\\Model\\Integration`): 0 inactive, 1 active, 2 recalled.
    A recalled integration is already off: it is left as it is.
    """

    path, field, off = "/bulkhead/integrations/{}", "status", 0

    def apply(self, action: PlannedAction, pre: dict[str, Any]) -> int:
        if self._read(action) == RECALLED:
            return 0
        return super().apply(action, pre)

    def verify(self, action: PlannedAction, pre: dict[str, Any]) -> bool:
        return bool(self._read(action) in (self.off, RECALLED))

    def _write(self, action: PlannedAction, value: Any, key: str) -> None:
        self._rest.call("PUT", f"{self._url(action)}/status", {"status": value}, key)


class PaymentMethodSwitch(_Toggle):
    """Switch a payment method off (`target`: its code) at default scope."""

    path, field, off = "/bulkhead/payment-methods/{}", "active", False

    def _write(self, action: PlannedAction, value: Any, key: str) -> None:
        self._rest.call("PUT", self._url(action), {"active": value}, key)
