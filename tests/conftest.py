"""Shared fixtures. Each tier lives in its own folder and gets that folder's marker."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from bulkhead.local.runtime import LocalFabric, local_fabric

TIERS = {"unit", "functions", "statemachines", "infra", "e2e"}
EVENTS = Path(__file__).parent / "events"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        tier = Path(str(item.fspath)).relative_to(Path(__file__).parent).parts[0]
        if tier in TIERS:
            item.add_marker(getattr(pytest.mark, tier))
        if tier == "infra":
            # One worker synthesizes the CDK app once for the whole tier (`--dist loadgroup`), instead
            # of every worker paying for its own synth.
            item.add_marker(pytest.mark.xdist_group("infra"))


@pytest.fixture
def fabric() -> Iterator[LocalFabric]:
    """A fresh local fabric: moto, the provisioned resources, in-process handlers."""
    with local_fabric(log_level="ERROR") as running:
        yield running


@pytest.fixture(autouse=True)
def _stop_local_services() -> Iterator[None]:
    """Commands start the local service on demand; every test stops the ones it started."""
    yield
    from bulkhead.local import client

    client.stop_started()
