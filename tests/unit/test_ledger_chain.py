"""The hash chain: appends link, and every kind of tampering is named at the first bad entry."""

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from functions.ledger.domain import ChainedLedger, verify_chain
from functions.ledger.models import GENESIS_HASH, EntryDraft, EntryType, LedgerEntry

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


class MemoryStore:
    def __init__(self) -> None:
        self.items: dict[tuple[str, int], LedgerEntry] = {}
        self.refuse_next = 0

    def head(self, incident_id: str) -> LedgerEntry | None:
        mine = [e for (i, _), e in self.items.items() if i == incident_id]
        return max(mine, key=lambda e: e.seq) if mine else None

    def put_new(self, entry: LedgerEntry) -> bool:
        if self.refuse_next:
            # Another writer won this sequence number: simulate its entry landing first.
            self.refuse_next -= 1
            rival = EntryDraft(type=EntryType.STEP_FAILED, actor="rival", at=T0)
            ChainedLedger(self).append(entry.incident_id, rival)
            return False
        key = (entry.incident_id, entry.seq)
        if key in self.items:
            return False
        self.items[key] = entry
        return True

    def entries(self, incident_id: str) -> Iterator[LedgerEntry]:
        yield from sorted((e for (i, _), e in self.items.items() if i == incident_id), key=lambda e: e.seq)


def draft(n: int) -> EntryDraft:
    return EntryDraft(type=EntryType.ACTION_APPLIED, actor="containment", at=T0 + timedelta(seconds=n), data={"n": n})


@pytest.fixture
def chain() -> tuple[MemoryStore, list[LedgerEntry]]:
    store = MemoryStore()
    ledger = ChainedLedger(store)
    for n in range(5):
        ledger.append("inc-20261127-abcdef123456", draft(n))
    return store, list(store.entries("inc-20261127-abcdef123456"))


def test_appends_link_each_entry_to_the_previous(chain: tuple[MemoryStore, list[LedgerEntry]]) -> None:
    _, entries = chain
    assert [e.seq for e in entries] == [0, 1, 2, 3, 4]
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert verify_chain("inc-20261127-abcdef123456", entries).valid


def test_a_lost_race_retries_on_the_new_head() -> None:
    store = MemoryStore()
    store.refuse_next = 1
    entry = ChainedLedger(store).append("inc-20261127-abcdef123456", draft(0))
    entries = list(store.entries("inc-20261127-abcdef123456"))
    assert entry.seq == 1
    assert [e.actor for e in entries] == ["rival", "containment"]
    assert verify_chain("inc-20261127-abcdef123456", entries).valid


def test_a_modified_entry_is_named(chain: tuple[MemoryStore, list[LedgerEntry]]) -> None:
    _, entries = chain
    entries[2] = entries[2].model_copy(update={"data": {"n": 99}})
    verdict = verify_chain("inc-20261127-abcdef123456", entries)
    assert (verdict.valid, verdict.first_bad_seq) == (False, 2)
    assert "modified" in (verdict.problem or "")


def test_a_deleted_entry_is_named(chain: tuple[MemoryStore, list[LedgerEntry]]) -> None:
    _, entries = chain
    del entries[3]
    verdict = verify_chain("inc-20261127-abcdef123456", entries)
    assert (verdict.valid, verdict.first_bad_seq) == (False, 3)


def test_reordered_entries_are_named(chain: tuple[MemoryStore, list[LedgerEntry]]) -> None:
    _, entries = chain
    entries[1], entries[2] = entries[2], entries[1]
    verdict = verify_chain("inc-20261127-abcdef123456", entries)
    assert (verdict.valid, verdict.first_bad_seq) == (False, 1)


def test_an_inserted_entry_with_a_recomputed_hash_still_breaks_the_link(
    chain: tuple[MemoryStore, list[LedgerEntry]],
) -> None:
    _, entries = chain
    from functions.ledger.domain import next_entry

    forged = next_entry("inc-20261127-abcdef123456", entries[1], draft(42))
    entries.insert(2, forged)
    verdict = verify_chain("inc-20261127-abcdef123456", entries)
    assert (verdict.valid, verdict.first_bad_seq) == (False, 3)


class AlwaysTaken(MemoryStore):
    """Every sequence number is taken by someone else by the time this writer tries."""

    def put_new(self, entry: LedgerEntry) -> bool:
        self.attempts = getattr(self, "attempts", 0) + 1
        return False


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
    assert store.items == {}
