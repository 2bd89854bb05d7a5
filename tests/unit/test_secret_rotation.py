"""Rotation takes effect at once: a failed verification reads the secret again, once, and the
previous secret verifies only while the store's configuration names it."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bulkhead.local.drill import bulk_export_webhook
from functions.common.config import FirmConfig
from functions.ingest.domain import IngestDeps, receive_shopify_webhook
from functions.ingest.errors import Rejected
from functions.ingest.models import HttpRequest, Signal

CONFIG = FirmConfig.model_validate_json(Path("config/bulkhead.local.json").read_text())
NOW = datetime.now(UTC)
SECRET_ID = CONFIG.store("acme-eu").webhook_secret_id


class Published:
    def __init__(self) -> None:
        self.signals: list[Signal] = []

    def publish(self, signal: Signal) -> None:
        self.signals.append(signal)


class Once:
    def __init__(self) -> None:
        self.seen: set[str] = set()

    def once(self, signal: Signal, publish: Callable[[Signal], None]) -> bool:
        if signal.signal_id in self.seen:
            return False
        self.seen.add(signal.signal_id)
        publish(signal)
        return True


class SecretsManager:
    """Secrets as stored, and the reads the ingest function made of them."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.reads: list[str] = []

    def read(self, secret_id: str) -> str:
        self.reads.append(secret_id)
        return self.values[secret_id]


def deps(config: FirmConfig, cached: dict[str, str], store: SecretsManager, bus: Published) -> IngestDeps:
    return IngestDeps(config=config, secret=cached.__getitem__, bus=bus, dedupe=Once(), now=NOW, reread=store.read)


def request(secret: str, delivery: str) -> HttpRequest:
    headers, body = bulk_export_webhook(secret, event_id=delivery, triggered_at=NOW)
    return HttpRequest(method="POST", path="/webhooks/shopify", headers=headers, body=body)


def test_a_delivery_signed_with_a_just_rotated_secret_is_accepted_with_one_read() -> None:
    # Given a cache still holding the old secret, and Secrets Manager already holding the new one
    bus, store = Published(), SecretsManager({SECRET_ID: "new"})
    receipt = receive_shopify_webhook(request("new", "d-1"), deps(CONFIG, {SECRET_ID: "old"}, store, bus))
    # Then the delivery is accepted, after exactly one fresh read
    assert (receipt.duplicate, store.reads) == (False, [SECRET_ID])
    assert [s.signal_id for s in bus.signals] == [receipt.signal_id]


def test_a_forged_delivery_costs_one_read_and_is_refused() -> None:
    bus, store = Published(), SecretsManager({SECRET_ID: "new"})
    with pytest.raises(Rejected) as refused:
        receive_shopify_webhook(request("forged", "d-2"), deps(CONFIG, {SECRET_ID: "new"}, store, bus))
    assert (refused.value.status, store.reads, bus.signals) == (401, [SECRET_ID], [])


def test_the_previous_secret_verifies_only_while_it_is_configured() -> None:
    # Given a rotation: the store names the old secret as its previous one
    previous = {"previous_webhook_secret_id": "acme-eu/previous"}
    stores = tuple(s.model_copy(update=previous) if s.store_id == "acme-eu" else s for s in CONFIG.stores)
    rotating = CONFIG.model_copy(update={"stores": stores})
    values = {SECRET_ID: "new", "acme-eu/previous": "old"}
    bus = Published()
    receipt = receive_shopify_webhook(request("old", "d-3"), deps(rotating, values, SecretsManager(values), bus))
    assert not receipt.duplicate
    # When the rotation ends and the configuration no longer names it, the old secret is refused
    with pytest.raises(Rejected) as refused:
        receive_shopify_webhook(request("old", "d-4"), deps(CONFIG, values, SecretsManager(values), bus))
    assert refused.value.status == 401
    assert len(bus.signals) == 1
