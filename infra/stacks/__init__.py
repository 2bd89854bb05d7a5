"""The deployable stacks of the Bulkhead fabric."""
