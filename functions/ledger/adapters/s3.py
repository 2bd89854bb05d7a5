"""Signed heads in an S3 bucket with Object Lock (compliance mode, default retention on the bucket).

Each anchor is written once (`If-None-Match: *`); the bucket's default retention locks every
version, so no one, the root user included, can delete or overwrite it before retention ends.
Reading takes the first version of each key: a later version or a delete marker cannot hide it.
"""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from functions.common.errors import TransientPlatformError
from functions.ledger.models import Anchor

PREFIX = "anchors"
READERS = 16  # concurrent GETs when reading an incident's anchors (boto3 clients are thread-safe)


class AnchorUnavailable(TransientPlatformError):
    """The anchor bucket refused or failed a read or a write."""


class S3AnchorStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    @property
    def bucket(self) -> str:
        return self._bucket

    def put(self, incident_id: str, name: str, anchor: Anchor) -> bool:
        try:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=f"{PREFIX}/{incident_id}/{name}",
                Body=anchor.model_dump_json().encode(),
                ContentType="application/json",
                IfNoneMatch="*",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] in {"PreconditionFailed", "ConditionalRequestConflict"}:
                return False
            raise AnchorUnavailable(f"anchor bucket refused {name}: {exc}") from exc
        except BotoCoreError as exc:
            raise AnchorUnavailable(f"anchor bucket unreachable: {exc}") from exc
        return True

    def anchors(self, incident_id: str) -> list[Anchor]:
        first_versions: dict[str, tuple[Any, str]] = {}
        try:
            pages = self._s3.get_paginator("list_object_versions").paginate(
                Bucket=self._bucket, Prefix=f"{PREFIX}/{incident_id}/"
            )
            for page in pages:
                for version in page.get("Versions", []):
                    seen = first_versions.get(version["Key"])
                    # S3 lists a key's versions newest first: at equal times the later one listed is older.
                    if seen is None or version["LastModified"] <= seen[0]:
                        first_versions[version["Key"]] = (version["LastModified"], version["VersionId"])
            wanted = [(key, version_id) for key, (_, version_id) in sorted(first_versions.items())]
            if len(wanted) <= 1:
                return [self._read(key, version_id) for key, version_id in wanted]
            # Every head is anchored, so an incident has one anchor per entry: read them side by side.
            with ThreadPoolExecutor(max_workers=min(READERS, len(wanted))) as pool:
                return list(pool.map(lambda kv: self._read(*kv), wanted))
        except (ClientError, BotoCoreError) as exc:
            raise AnchorUnavailable(f"anchor bucket could not be read: {exc}") from exc

    def _read(self, key: str, version_id: str) -> Anchor:
        body = self._s3.get_object(Bucket=self._bucket, Key=key, VersionId=version_id)["Body"].read()
        try:
            return Anchor.model_validate_json(body)
        except ValidationError:
            # Something that is not an anchor sits among the anchors: verification names it.
            return Anchor(statement=body.decode(errors="replace"), signature="")
