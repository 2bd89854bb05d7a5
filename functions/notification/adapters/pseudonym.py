"""The notification context's view of the ledger's keyed pseudonyms (functions/ledger/pseudonym.py).

The same (store, customer) always maps to the same pseudonym, which is what makes the exactly-once
guard work across re-runs, and it is the pseudonym the ledger and evidence packs show.
"""

from functions.ledger.pseudonym import Pseudonymizer


class HmacPseudonyms:
    def __init__(self, key: bytes) -> None:
        self._pseudonymize = Pseudonymizer(key)

    def of(self, store_id: str, platform_id: str) -> str:
        return self._pseudonymize("customer", f"{store_id}/{platform_id}")
