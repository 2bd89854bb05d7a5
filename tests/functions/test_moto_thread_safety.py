"""moto's DynamoDB is not thread-safe; the local fabric's guard makes it behave like DynamoDB.

Without the guard, concurrent appenders on threads (as Map and Parallel branches and the service's
request threads are) fail now and then inside the emulation ("dictionary changed size during
iteration" while a query iterates a table another thread writes), or two conditional puts both
pass. Ten repetitions of eight appenders and a reader, each must leave one unbroken chain; set
BULKHEAD_RACE_REPETITIONS for a longer run (`scripts/bench/ledger.py` races 32 writers as well).
"""

import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from moto import mock_aws

from bulkhead.local.atomic_writes import serialised_backends
from bulkhead.local.runtime import create_table
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.domain import ChainedLedger, verify_chain
from functions.ledger.models import EntryDraft, EntryType
from infra.fabric import table

REGION = "eu-west-1"
INCIDENT = "inc-20261130-concurrent01"
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
WRITERS, PER_WRITER = 8, 12
REPETITIONS = int(os.environ.get("BULKHEAD_RACE_REPETITIONS", "10"))


@pytest.fixture
def ledger_table() -> Iterator[tuple[Any, str]]:
    with mock_aws(), serialised_backends():
        import boto3

        db = boto3.client("dynamodb", region_name=REGION)
        yield db, create_table(db, table("Ledger"), "ledger")


@pytest.mark.parametrize("repetition", range(REPETITIONS))
def test_concurrent_appenders_and_a_reader_leave_one_unbroken_chain(
    ledger_table: tuple[Any, str], repetition: int
) -> None:
    db, name = ledger_table
    incident = f"{INCIDENT}-{repetition}"
    start = threading.Barrier(WRITERS + 1)
    errors: list[BaseException] = []
    done = threading.Event()

    def write(w: int) -> None:
        ledger = ChainedLedger(DynamoLedgerStore(db, name), max_attempts=200)
        start.wait()
        try:
            for n in range(PER_WRITER):
                draft = EntryDraft(type=EntryType.ACTION_APPLIED, actor=f"writer-{w}", at=T0, data={"n": n})
                ledger.append(incident, draft)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    def read() -> None:  # scans race the writers, as `bulkhead status` does against a running drill
        start.wait()
        try:
            while not done.is_set():
                db.scan(TableName=name)
        except BaseException as exc:
            errors.append(exc)

    writers = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    reader = threading.Thread(target=read)
    for thread in [*writers, reader]:
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    reader.join()

    assert errors == []
    entries = list(DynamoLedgerStore(db, name).entries(incident))
    assert [e.seq for e in entries] == list(range(WRITERS * PER_WRITER))
    assert verify_chain(incident, entries).valid
    landed = sorted((e.actor, e.data["n"]) for e in entries)
    assert landed == sorted((f"writer-{w}", n) for w in range(WRITERS) for n in range(PER_WRITER))
