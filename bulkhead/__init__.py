"""Bulkhead's operator tools: the `bulkhead` CLI and the local runtime.

Nothing here is deployed to Lambda; the deployed code is the `functions` package.
"""
