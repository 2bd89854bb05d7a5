"""Powertools singletons, created once per process.

Service name, log level and sampling come from the POWERTOOLS_* environment the function
factory sets; nothing here reads configuration or calls AWS.
"""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="Bulkhead")
