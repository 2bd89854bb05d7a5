"""What notification needs from platforms, storage and providers."""

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from functions.ledger.models import LedgerEntry
from functions.notification.models import (
    AudienceScope,
    BatchOutcome,
    Channel,
    Customer,
    EmailSendResult,
    FeedbackCounts,
    Recipient,
    RenderedNotice,
)


class CustomerDirectory(Protocol):
    """A store's customers, as its platform's API returns them."""

    def customers(self, scope: AudienceScope) -> Iterator[Customer]:
        """Every customer in scope, each once; pages and bulk exports are the adapter's business."""
        ...

    def exact(self, scope: AudienceScope) -> bool:
        """False when the platform cannot narrow this scope and the adapter widened it (e.g. to all)."""
        ...


class RosterStore(Protocol):
    def put_batch(self, incident_id: str, batch: int, recipients: Sequence[Recipient]) -> str:
        """Store one batch; returns its key. Overwrites: a re-resolved roster replaces the old one."""
        ...

    def put_manifest(self, incident_id: str, items: Sequence[dict[str, object]]) -> str: ...

    def batch(self, key: str) -> list[Recipient]: ...

    @property
    def bucket(self) -> str: ...


class Pseudonyms(Protocol):
    def of(self, store_id: str, platform_id: str) -> str:
        """A keyed, stable pseudonym: the same customer always gets the same one."""
        ...


class DeliveryGuard(Protocol):
    """Exactly once per (incident, customer pseudonym, channel), by conditional writes."""

    def claim(self, incident_id: str, channel: Channel, pseudonyms: Sequence[str]) -> set[str]:
        """Claim each delivery; returns those this caller won (not claimed or sent before)."""
        ...

    def confirm(self, incident_id: str, channel: Channel, pseudonyms: Sequence[str]) -> None: ...

    def release(self, incident_id: str, channel: Channel, pseudonyms: Sequence[str]) -> None:
        """Give back claims whose send did not happen, so a retry can make it."""
        ...

    def fail(self, incident_id: str, channel: Channel, pseudonyms: Sequence[str], reason: str) -> None: ...


class EmailSender(Protocol):
    def ensure_template(self, name: str, notice: RenderedNotice) -> None: ...

    def send_bulk(self, template: str, recipients: Sequence[Recipient]) -> EmailSendResult:
        """One SendBulkTemplatedEmail call (≤ 50 destinations); raises PlatformThrottled when throttled."""
        ...

    def max_send_rate(self) -> float: ...


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None:
        """One SMS; raises PlatformThrottled when throttled, PermanentActionFailure when refused."""
        ...


class SmsBudget(Protocol):
    def reserve(self, parts: int) -> bool:
        """Reserve spend for `parts` SMS parts; False when the spend limit would be exceeded."""
        ...


class Pacer(Protocol):
    def wait_for(self, units: int) -> None:
        """Block until `units` sends fit the rate."""
        ...

    def pause(self, seconds: float) -> None:
        """Sleep a back-off after throttling (the retry policy chooses how long)."""
        ...


class BatchRecords(Protocol):
    def outcomes(self, incident_id: str) -> list[BatchOutcome]: ...

    def feedback(self, incident_id: str) -> FeedbackCounts: ...


class DraftStore(Protocol):
    def put_draft(self, incident_id: str, name: str, text: str) -> str: ...


class IncidentJournal(Protocol):
    """The incident's ledger, read: what a notice may state is what it records."""

    def entries(self, incident_id: str) -> Iterable[LedgerEntry]: ...
