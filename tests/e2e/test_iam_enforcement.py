"""Every handler runs as its function's role, and a call outside its grants fails as in AWS.

The roles come from the synthesized template (bulkhead/local/roles.json); moto authenticates and
authorises every call after provisioning (bulkhead/local/identities.py).
"""

import io
import json
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from bulkhead.cli.main import app
from bulkhead.drills.runner import run_scenario
from bulkhead.local.identities import acting_as
from bulkhead.local.runtime import ACCOUNT, LocalFabric
from functions.common.clients import client
from functions.common.settings import Env
from functions.drills.adapters.catalogue import load_catalogue

LEDGER_ROW = {"incident_id": {"S": "inc-probe"}, "seq": {"N": "1"}}


def probe_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A handler that writes a ledger row: only ledger appenders are granted PutItem."""
    client("dynamodb").put_item(TableName=event["table"], Item=LEDGER_ROW)
    return {"written": True}


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README", "runs in-process")
    return buffer.getvalue()


def _probe(fabric: LocalFabric, as_function: str) -> str:
    """A function running `probe_handler` under `as_function`'s role; returns its name."""
    name = f"bulkhead-Probe{as_function}"
    client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=fabric.identities.role_arn(as_function, ACCOUNT),
        Handler=f"{__name__}.probe_handler",
        Code={"ZipFile": _zip()},
    )
    fabric.identities.functions[name] = fabric.identities.functions[f"bulkhead-{as_function}"]
    return name


def test_a_handler_calling_outside_its_grants_fails_with_access_denied(fabric: LocalFabric):
    # Given the same handler deployed under a role without ledger writes and under a ledger appender's
    reader, appender = _probe(fabric, "ReadDegradationModes"), _probe(fabric, "RecordMilestone")
    event = json.dumps({"table": fabric.tables["Ledger"]})
    # When each is invoked
    refused = client("lambda").invoke(FunctionName=reader, Payload=event)
    allowed = client("lambda").invoke(FunctionName=appender, Payload=event)
    # Then the reader's write is refused with AccessDenied, and the appender's lands
    failure = json.loads(refused["Payload"].read())
    assert refused.get("FunctionError") == "Unhandled"
    assert "AccessDenied" in failure["errorMessage"], failure
    assert "dynamodb:PutItem" in failure["errorMessage"], failure
    assert json.loads(allowed["Payload"].read()) == {"written": True}
    row = client("dynamodb").get_item(TableName=fabric.tables["Ledger"], Key=LEDGER_ROW)
    assert row["Item"] == LEDGER_ROW
    # And the refusal is recorded against the role that made it
    denied = fabric.identities.usage.export()["denied"]
    assert ["ReadDegradationModes", "dynamodb:PutItem", 1] in denied


def test_credentials_do_not_leak_across_threads(fabric: LocalFabric):
    # Given two threads acting at once as a role that may write the ledger and one that may not
    writer = fabric.identities.functions["bulkhead-RecordMilestone"]
    reader = fabric.identities.functions["bulkhead-ReadDegradationModes"]
    start, outcomes = threading.Barrier(2), {}

    def write(name: str, identity: Any) -> None:
        with acting_as(identity):
            start.wait()
            for _ in range(10):
                try:
                    client("dynamodb").put_item(TableName=fabric.tables["Ledger"], Item=LEDGER_ROW)
                    outcomes.setdefault(name, set()).add("written")
                except ClientError as exc:  # moto's DynamoDB reports the refusal as a bare 403
                    refused = exc.response["ResponseMetadata"]["HTTPStatusCode"], "not authorized" in str(exc)
                    outcomes.setdefault(name, set()).add(refused)

    threads = [threading.Thread(target=write, args=(n, i)) for n, i in (("writer", writer), ("reader", reader))]
    # When both write through the one cached client, interleaved
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then every call was signed as its own thread's role
    assert outcomes == {"writer": {"written"}, "reader": {(403, True)}}


def test_a_key_no_identity_holds_is_refused(fabric: LocalFabric):
    # Given a client signing with a key the fabric never issued
    import boto3

    stranger = boto3.client("dynamodb", aws_access_key_id="AKIAUNKNOWN000000000", aws_secret_access_key="x")
    # When it calls; Then it is refused, as AWS refuses an unknown key
    with pytest.raises(ClientError) as refused:
        stranger.list_tables()
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "security token included in the request is invalid" in str(refused.value), refused.value


def test_operators_run_the_cli_with_their_own_policies(fabric: LocalFabric, tmp_path: Path):
    # Given a drill's incident in the fabric
    scenario = load_catalogue()["compromised-storefront-token"]
    result = run_scenario(fabric, scenario, reports=tmp_path)
    assert result.passed
    incident = result.incident_id
    assert incident is not None
    verify = [
        "ledger", "verify", incident, "--target", "aws",
        "--table", fabric.tables["Ledger"],
        "--bucket", fabric.buckets["LedgerAnchors"],
        "--key", fabric.settings[Env.LEDGER_SIGNING_KEY.value],
    ]  # fmt: skip
    # When the auditor verifies its ledger with `--target aws`, as a person with the auditor policy would
    with acting_as(fabric.identities.operators["Auditor"]):
        verified = CliRunner().invoke(app, verify)
        # ...and then tries to write a degradation mode, which only on-call may
        with pytest.raises(ClientError) as refused:
            client("dynamodb").put_item(TableName=fabric.tables["Controls"], Item={"store_id": {"S": "acme-eu"}})
    # Then the verification passes and the write is refused; on-call's policy allows it
    assert verified.exit_code == 0, verified.output
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with acting_as(fabric.identities.operators["OnCall"]):
        client("dynamodb").put_item(TableName=fabric.tables["Controls"], Item={"store_id": {"S": "acme-eu"}})
    denied = fabric.identities.usage.export()["denied"]
    assert ["Auditor", "dynamodb:PutItem", 1] in denied
