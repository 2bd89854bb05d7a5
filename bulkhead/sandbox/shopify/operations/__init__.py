"""Sandbox GraphQL operations, one module per resource; every module here is loaded on start."""
