"""Which incidents the ledger holds: every chain whose first entry is a declaration."""

import json
from typing import Any

# The ledger keeps no list of incidents: a scan finds the declarations (one page per MiB of
# ledger, fine for on-call's list). The chain prefix keeps out the drills and health chains.
_CHAIN_PREFIX = "inc-"
_DECLARED = '"type":"incident.declared"'  # as the canonical (RFC 8785) body spells it


class DynamoIncidentIndex:
    def __init__(self, dynamodb: Any, ledger_table: str) -> None:
        self._db = dynamodb
        self._table = ledger_table

    def incident_ids(self) -> list[str]:
        found: list[tuple[str, str]] = []
        pages = self._db.get_paginator("scan").paginate(
            TableName=self._table,
            FilterExpression="begins_with(incident_id, :p) AND contains(body, :declared)",
            ExpressionAttributeValues={":p": {"S": _CHAIN_PREFIX}, ":declared": {"S": _DECLARED}},
        )
        for page in pages:
            for item in page.get("Items", []):
                body = json.loads(item["body"]["S"])
                if body.get("type") == "incident.declared":
                    found.append((str(body.get("at", "")), item["incident_id"]["S"]))
        return [incident for _, incident in sorted(found, reverse=True)]
