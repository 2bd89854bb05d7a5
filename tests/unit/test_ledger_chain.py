"""The hash chain: appends link, and every kind of tampering is named at the first bad entry."""

import itertools

import pytest

from functions.ledger.domain import ChainedLedger, verify_chain
from functions.ledger.models import GENESIS_HASH, LedgerEntry
from tests.fakes.ledger import AlwaysTaken, MemoryLedgerStore, draft


@pytest.fixture
def chain() -> tuple[MemoryLedgerStore, list[LedgerEntry]]:
    store = MemoryLedgerStore()
    ledger = ChainedLedger(store)
    for n in range(5):
        ledger.append("inc-20261127-abcdef123456", draft(n))
    return store, list(store.entries("inc-20261127-abcdef123456"))


def test_appends_link_each_entry_to_the_previous(chain: tuple[MemoryLedgerStore, list[LedgerEntry]]) -> None:
    _, entries = chain
    assert [e.seq for e in entries] == [0, 1, 2, 3, 4]
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert verify_chain("inc-20261127-abcdef123456", entries).valid


def test_a_lost_race_retries_on_the_new_head() -> None:
    store = MemoryLedgerStore()
    store.refuse_next = 1
    entry = ChainedLedger(store).append("inc-20261127-abcdef123456", draft(0))
    entries = list(store.entries("inc-20261127-abcdef123456"))
    assert entry.seq == 1
    assert [e.actor for e in entries] == ["rival", "containment"]
    assert verify_chain("inc-20261127-abcdef123456", entries).valid


def test_a_modified_entry_is_named(chain: tuple[MemoryLedgerStore, list[LedgerEntry]]) -> None:
    _, entries = chain
    entries[2] = entries[2].model_copy(update={"data": {"n": 99}})
    verdict = verify_chain("inc-20261127-abcdef123456", entries)
    assert (verdict.valid, verdict.first_bad_seq) == (False, 2)
    assert "modified" in (verdict.problem or "")


def test_a_deleted_entry_is_named(chain: tuple[MemoryLedgerStore, list[LedgerEntry]]) -> None:
    _, entries = chain
    del entries[3]
    verdict = verify_chain("inc-20261127-abcdef123456", entries)
    assert (verdict.valid, verdict.first_bad_seq) == (False, 3)


def test_reordered_entries_are_named(chain: tuple[MemoryLedgerStore, list[LedgerEntry]]) -> None:
    _, entries = chain
    entries[1], entries[2] = entries[2], entries[1]
    verdict = verify_chain("inc-20261127-abcdef123456", entries)
    assert (verdict.valid, verdict.first_bad_seq) == (False, 1)


def test_an_inserted_entry_with_a_recomputed_hash_still_breaks_the_link(
    chain: tuple[MemoryLedgerStore, list[LedgerEntry]],
) -> None:
    _, entries = chain
    from functions.ledger.domain import next_entry

    forged = next_entry("inc-20261127-abcdef123456", entries[1], draft(42))
    entries.insert(2, forged)
    verdict = verify_chain("inc-20261127-abcdef123456", entries)
    assert (verdict.valid, verdict.first_bad_seq) == (False, 3)


def test_a_writer_that_keeps_losing_backs_off_with_jitter_then_gives_up_with_a_named_error() -> None:
    from functions.common.errors import LedgerWriteConflict
    from functions.ledger.domain import BACKOFF_FIRST_CAP_SECONDS, BACKOFF_MAX_CAP_SECONDS

    store, waits = AlwaysTaken(), []

    with pytest.raises(LedgerWriteConflict, match="after 9 attempts"):
        ChainedLedger(store, max_attempts=9, sleep=waits.append).append("inc-20261127-abcdef123456", draft(0))

    # One wait between tries, each a random draw under a cap that doubles up to the maximum
    assert store.attempts == 9 and len(waits) == 8
    caps = [min(BACKOFF_MAX_CAP_SECONDS, BACKOFF_FIRST_CAP_SECONDS * 2**n) for n in range(8)]
    assert all(0 <= wait <= cap for wait, cap in zip(waits, caps, strict=True))
    assert len(set(waits)) == len(waits)  # jittered, not in lock step
    assert store.chains == {}
