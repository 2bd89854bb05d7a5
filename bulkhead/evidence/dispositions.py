"""The dispositions of the signals an incident merged, as the day chains `dispositions-<day>` hold
them: which entries an evidence pack carries of each day chain, and which of them verified.

A day chain is a ledger chain like an incident's: every head signed and anchored. The pack carries
only the incident's entries of it, each followed by the entries up to the next signed head, so each
one can be checked against a signature without the rest of the day's signals.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from functions.ledger.models import Anchor, EntryType, LedgerVerdict, SealedEntry


@dataclass(frozen=True)
class DayChain:
    """One day's chain of signal dispositions as the ledger holds it, its signed heads and its verdict."""

    name: str
    entries: Sequence[SealedEntry]
    anchors: Sequence[Anchor]
    verdict: LedgerVerdict


@dataclass(frozen=True)
class WindowCount:
    """One correlation window of the incident as the Dispositions table counts its signals."""

    window_sha256: str
    day: str
    signals: int
    ignored: int
    declared: int
    merged: int


@dataclass(frozen=True)
class SignalDispositions:
    """The day chains covering the incident's life, and its correlation windows' counts."""

    chains: tuple[DayChain, ...] = ()
    windows: tuple[WindowCount, ...] = ()


def is_disposition_of(incident_id: str, body: dict[str, Any]) -> bool:
    return bool(body["type"] == EntryType.SIGNAL_DISPOSITION.value and body["data"].get("incident_id") == incident_id)


def excerpt(incident_id: str, chain: DayChain) -> tuple[list[SealedEntry], list[Anchor]]:
    """The incident's dispositions in a day chain, each followed by the entries up to the next signed
    head (a head whose anchoring failed is covered by the next one), and the signed heads among them."""
    heads = {a.parsed().seq for a in chain.anchors}
    carried: set[int] = set()
    for entry in chain.entries:
        if not is_disposition_of(incident_id, json.loads(entry.body)):
            continue
        seq = entry.seq
        carried.add(seq)
        while seq not in heads and seq + 1 < len(chain.entries):
            seq += 1
            carried.add(seq)
    entries = [e for e in chain.entries if e.seq in carried]
    return entries, [a for a in chain.anchors if a.parsed().seq in carried]


def verified_rows(incident_id: str, dispositions: SignalDispositions) -> list[tuple[str, int, dict[str, Any]]]:
    """(chain, seq, body) of the incident's dispositions in the day chains that verified, up to the
    first bad entry of a chain that did not."""
    rows: list[tuple[str, int, dict[str, Any]]] = []
    for chain in sorted(dispositions.chains, key=lambda c: c.name):
        trusted = chain.entries if chain.verdict.valid else chain.entries[: chain.verdict.first_bad_seq or 0]
        for entry in trusted:
            body = json.loads(entry.body)
            if is_disposition_of(incident_id, body):
                rows.append((chain.name, entry.seq, body))
    return rows
