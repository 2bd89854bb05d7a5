"""The local fabric keeps its tables between CLI invocations when given a state directory."""

from pathlib import Path

from bulkhead.local.drill import run_thin_path
from bulkhead.local.runtime import local_fabric
from functions.common import clients
from functions.ledger.adapters.dynamodb import DynamoLedgerStore
from functions.ledger.domain import verify_chain


def test_a_second_fabric_sees_the_first_ones_ledger(tmp_path: Path) -> None:
    with local_fabric(log_level="ERROR", state_dir=tmp_path) as first:
        run = run_thin_path(first)
    assert run.incident_id is not None
    assert (tmp_path / "fabric.json").exists()

    with local_fabric(log_level="ERROR", state_dir=tmp_path) as second:
        store = DynamoLedgerStore(clients.client("dynamodb"), second.tables["Ledger"])
        entries = list(store.entries(run.incident_id))
    assert [e.hash for e in entries] == [e.hash for e in run.entries]
    assert verify_chain(run.incident_id, entries).valid


def test_without_a_state_directory_a_fabric_starts_empty(tmp_path: Path) -> None:
    with local_fabric(log_level="ERROR") as first:
        run_thin_path(first)
    with local_fabric(log_level="ERROR") as second:
        scanned = clients.client("dynamodb").scan(TableName=second.tables["Ledger"])
    assert scanned["Count"] == 0
