"""Sandbox Magento REST routes, one module per resource; every module here is loaded on start."""
