"""A sandbox store: state, fault injection and a loopback server for one configured store."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bulkhead.sandbox.faults import FaultInjector, Faults
from bulkhead.sandbox.fixtures import seed_magento, seed_shopify
from bulkhead.sandbox.http import LoopbackServer
from bulkhead.sandbox.magento.app import MagentoRestApp, RateLimiter
from bulkhead.sandbox.shopify.app import API_VERSION, ShopifyAdminApp
from bulkhead.sandbox.shopify.throttle import LeakyBucket
from bulkhead.sandbox.state import Call, Record, StoreState

SHOPIFY = "shopify"
ADOBE_COMMERCE = "adobe_commerce"


class SandboxStore:
    """One running sandbox store. `url` is what the store's `admin_api_url` points at."""

    def __init__(
        self,
        store_id: str,
        platform: str,
        token: str,
        shop_domain: str = "sandbox.myshopify.com",
        faults: Faults | None = None,
        seed: bool = True,
        bucket: LeakyBucket | None = None,
        requests_per_second: float | None = None,
        integration_as_bearer: bool = False,
    ) -> None:
        if platform not in (SHOPIFY, ADOBE_COMMERCE):
            raise ValueError(f"no sandbox for platform {platform!r}")
        self.store_id = store_id
        self.platform = platform
        self.state = StoreState(store_id, platform)
        self.injector = FaultInjector(faults or Faults())
        self.bucket = bucket or LeakyBucket.for_plan("plus")
        self.limiter = RateLimiter(requests_per_second)
        if platform == SHOPIFY:
            if seed:
                seed_shopify(self.state, shop_domain)
            self.app: Any = ShopifyAdminApp(self.state, token, self.injector, self.bucket)
        else:
            if seed:
                seed_magento(self.state)
            self.app = MagentoRestApp(self.state, token, self.injector, self.limiter, integration_as_bearer)
        self._server = LoopbackServer(self.app)

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/admin/api/{API_VERSION}/graphql.json"

    @property
    def faults(self) -> Faults:
        return self.injector.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        """Change latency and error injection while running (a fresh seeded draw sequence)."""
        self.app.injector = self.injector = FaultInjector(faults)

    def start(self) -> "SandboxStore":
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def snapshot(self) -> dict[str, dict[str, Record]]:
        return self.state.snapshot()

    def table(self, name: str) -> dict[str, Record]:
        """A deep copy of one collection (`customers`, `storefront_tokens`, `webhooks`, ...)."""
        return self.snapshot().get(name, {})

    @property
    def calls(self) -> list[Call]:
        with self.state.lock:
            return list(self.state.calls)


@contextmanager
def running_sandbox(store_id: str, platform: str, token: str, **options: Any) -> Iterator[SandboxStore]:
    store = SandboxStore(store_id, platform, token, **options).start()
    try:
        yield store
    finally:
        store.stop()
