"""Locally, conditional writes race-free as in DynamoDB: exactly one of many writers wins a key."""

import sys
import threading
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from bulkhead.local.atomic_writes import atomic_conditional_writes


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    with mock_aws(), atomic_conditional_writes():
        boto3.client("dynamodb").create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield "t"


@pytest.fixture
def eager_thread_switching() -> Iterator[None]:
    """Switch threads as often as possible so a race window inside moto is actually hit."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def test_exactly_one_of_many_concurrent_conditional_puts_wins(table: str, eager_thread_switching: None) -> None:
    db = boto3.client("dynamodb")
    start, won, lost = threading.Barrier(16), [], []

    def claim(writer: int) -> None:
        start.wait()
        for round_ in range(40):
            try:
                db.put_item(
                    TableName=table,
                    Item={"k": {"S": f"key-{round_}"}, "writer": {"N": str(writer)}},
                    ConditionExpression="attribute_not_exists(k)",
                )
                won.append((round_, writer))
            except ClientError:
                lost.append((round_, writer))

    threads = [threading.Thread(target=claim, args=(w,)) for w in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r for r, _ in won) == list(range(40))
    assert len(lost) == 16 * 40 - 40
    for round_, writer in won:
        item = db.get_item(TableName=table, Key={"k": {"S": f"key-{round_}"}})["Item"]
        assert item["writer"]["N"] == str(writer)
