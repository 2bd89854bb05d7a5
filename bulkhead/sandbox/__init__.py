"""Sandbox stores: loopback Shopify Admin GraphQL and Magento REST services that hold state.

They serve `bulkhead drill` and the tests, with latency, throttling and error injection; a real
development store replaces one through configuration (docs/sandbox-stores.md).
"""

from bulkhead.sandbox.faults import Faults
from bulkhead.sandbox.stores import SandboxStore, running_sandbox

__all__ = ["Faults", "SandboxStore", "running_sandbox"]
