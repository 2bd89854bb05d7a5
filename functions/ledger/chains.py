"""The ledger's chains that are not an incident's, named in one place. Pure.

Each incident has its own chain (its id); what belongs to no incident is chained by store or by day,
so every record the fabric writes is in a chain an auditor can verify.
"""

from datetime import datetime


def store_chain(store_id: str) -> str:
    """Every change of one store's degradation modes."""
    return f"controls-{store_id}"


def health_chain(at: datetime) -> str:
    """The day's control-health checks."""
    return f"health-{at:%Y-%m-%d}"


def dispositions_chain(at: datetime) -> str:
    """The day's dispositions of signals that declared nothing."""
    return f"dispositions-{at:%Y-%m-%d}"
