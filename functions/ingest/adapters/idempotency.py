"""Deduplication with Powertools Idempotency on DynamoDB, keyed by (store, signal id).

Payload validation is on: the same id with a different body is refused, not silently dropped.
A publish that raises deletes the in-progress record, so the platform's retry is processed.
Powertools Idempotency imports boto3 at module load, so it is imported when the first delivery
is deduplicated, keeping the ingest handlers' import (Lambda init) small.
"""

from collections.abc import Callable
from typing import Any

from functions.common.errors import TransientPlatformError
from functions.ingest.errors import Rejected
from functions.ingest.models import Signal


class PowertoolsDeduplicator:
    def __init__(self, dynamodb: Any, table_name: str, expires_after_seconds: int, lambda_context: Any = None) -> None:
        from aws_lambda_powertools.utilities.idempotency import (  # noqa: PLC0415
            DynamoDBPersistenceLayer,
            IdempotencyConfig,
        )

        self._store = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=dynamodb)
        self._config = IdempotencyConfig(
            event_key_jmespath="[store_id, signal_id]",
            payload_validation_jmespath="raw_sha256",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=expires_after_seconds,
        )
        if lambda_context is not None:
            self._config.register_lambda_context(lambda_context)

    def once(self, signal: Signal, publish: Callable[[Signal], None]) -> bool:
        from aws_lambda_powertools.utilities.idempotency import idempotent_function  # noqa: PLC0415
        from aws_lambda_powertools.utilities.idempotency.exceptions import (  # noqa: PLC0415
            IdempotencyAlreadyInProgressError,
            IdempotencyItemAlreadyExistsError,
            IdempotencyPersistenceLayerError,
            IdempotencyValidationError,
        )

        @idempotent_function(  # type: ignore[untyped-decorator]
            data_keyword_argument="record", persistence_store=self._store, config=self._config
        )
        def first_delivery(record: dict[str, Any]) -> dict[str, str]:
            publish(signal)
            return {"received_at": record["received_at"]}

        record = signal.model_dump(mode="json", include={"store_id", "signal_id", "raw_sha256", "received_at"})
        try:
            result = first_delivery(record=record)
        except IdempotencyValidationError as exc:
            raise Rejected(409, "delivery id was already received with a different payload") from exc
        except (IdempotencyAlreadyInProgressError, IdempotencyItemAlreadyExistsError) as exc:
            raise Rejected(409, "the same event is being processed; retry later") from exc
        except IdempotencyPersistenceLayerError as exc:
            raise TransientPlatformError("idempotency store unavailable") from exc
        return bool(result["received_at"] == record["received_at"])
