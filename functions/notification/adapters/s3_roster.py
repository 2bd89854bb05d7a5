"""The roster in S3: one object per batch (the recipients) and a manifest the Distributed Map reads.

The manifest holds only batch references, so customer contact data never enters the state
machine's execution history; the batch objects are encrypted with the fabric key (SSE-KMS) and
the bucket's lifecycle deletes them after a few days.
"""

import json
from collections.abc import Sequence
from typing import Any

from functions.notification.models import Recipient

PREFIX = "rosters"


class S3RosterStore:
    def __init__(self, s3: Any, bucket: str, kms_key_id: str | None = None) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._encryption: dict[str, str] = (
            {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id}
            if kms_key_id
            else {"ServerSideEncryption": "aws:kms"}
        )

    @property
    def bucket(self) -> str:
        return self._bucket

    def put_batch(self, incident_id: str, batch: int, recipients: Sequence[Recipient]) -> str:
        key = f"{PREFIX}/{incident_id}/batch-{batch:06d}.json"
        body = json.dumps([r.model_dump(mode="json", exclude_none=True) for r in recipients], separators=(",", ":"))
        self._put(key, body)
        return key

    def put_manifest(self, incident_id: str, items: Sequence[dict[str, object]]) -> str:
        key = f"{PREFIX}/{incident_id}/manifest.json"
        self._put(key, json.dumps(list(items), separators=(",", ":")))
        return key

    def batch(self, key: str) -> list[Recipient]:
        body = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        return [Recipient.model_validate(item) for item in json.loads(body)]

    def put_draft(self, incident_id: str, name: str, text: str) -> str:
        key = f"drafts/{incident_id}/{name}"
        self._put(key, text, content_type="text/markdown; charset=utf-8")
        return key

    def drafts(self, incident_id: str) -> list[tuple[str, str]]:
        """(key, text) of every stored regulator draft for the incident."""
        found: list[tuple[str, str]] = []
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=f"drafts/{incident_id}/")
        for page in pages:
            for item in page.get("Contents", []):
                body = self._s3.get_object(Bucket=self._bucket, Key=item["Key"])["Body"].read()
                found.append((item["Key"], body.decode("utf-8")))
        return found

    def _put(self, key: str, body: str, content_type: str = "application/json") -> None:
        self._s3.put_object(
            Bucket=self._bucket, Key=key, Body=body.encode("utf-8"), ContentType=content_type, **self._encryption
        )
