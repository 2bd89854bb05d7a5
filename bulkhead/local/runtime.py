"""The local runtime, the embedded default: the whole fabric in one process on moto.

It provisions what `infra/fabric.py` describes (the same description the CDK stack deploys),
loads the state machines from `statemachines/*.asl.json` through the same loader, runs the real
handlers through the Lambda seam, and routes bus events through the same rule patterns: each
route becomes an EventBridge rule whose target is a queue this runtime drains and delivers.
"""

import base64
import io
import json
import os
import time
import uuid
import zipfile
from collections.abc import Collection, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from moto import mock_aws
from moto.kms.models import kms_backends

from bulkhead.local import containment_state, journal
from bulkhead.local.asl_parse import parse_once_per_definition
from bulkhead.local.atomic_writes import DYNAMODB_LOCK, S3_LOCK, serialised_backends
from bulkhead.local.environment import environment
from bulkhead.local.identities import Identities, enforced, enforcement, per_thread_credentials
from bulkhead.local.journal import Journal
from bulkhead.local.lambda_seam import InvocationLog, in_process_lambda
from bulkhead.local.paths import DEFAULT_CONFIG, DEFAULT_SECRETS
from bulkhead.local.service import exclusive
from bulkhead.local.service_models import share_service_models
from bulkhead.local.ses_events import provision_feedback, ses_event_publishing
from bulkhead.local.work import WorkTracker, track_executions
from bulkhead.sandbox.local import start_sandboxes
from bulkhead.sandbox.stores import SandboxStore
from functions.common import clients, config, wiring
from functions.common.bus import ROUTES, Route
from functions.common.settings import Env
from infra import asl, fabric

REGION = "eu-west-1"
ACCOUNT = "123456789012"

_MOTO: Any = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
_PROCESS_ENV = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "POWERTOOLS_SERVICE_NAME": "bulkhead",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "Bulkhead",
}


@dataclass
class HttpAnswer:
    status: int
    body: dict[str, Any]


@dataclass
class LocalFabric:
    """Resource names and ARNs of one running local fabric."""

    tables: dict[str, str] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)
    state_machines: dict[str, str] = field(default_factory=dict)
    route_queues: dict[str, str] = field(default_factory=dict)
    executions: list[str] = field(default_factory=list)
    invocations: InvocationLog = field(default_factory=InvocationLog)
    settings: dict[str, str] = field(default_factory=dict)
    sandboxes: dict[str, SandboxStore] = field(default_factory=dict)  # store id -> running sandbox store
    buckets: dict[str, str] = field(default_factory=dict)
    signing_keys: dict[str, str] = field(default_factory=dict)  # fabric key name -> key ARN
    work: WorkTracker | None = None  # with a state directory: responses running, and those cut off
    identities: Identities = field(default_factory=Identities)  # who signs each call

    # --- driving the fabric -------------------------------------------------------------

    def post(self, path: str, headers: Mapping[str, str], body: bytes) -> HttpAnswer:
        """Send one HTTP request to the API as API Gateway (HTTP API, payload 2.0) would."""
        route = next((r for r in fabric.HTTP_ROUTES if r[0] == "POST" and r[1] == path), None)
        if route is None:
            return HttpAnswer(404, {"error": f"no route POST {path}"})
        event = http_api_event("POST", path, headers, body)
        payload = self.invoke(route[2], event)
        return HttpAnswer(int(payload["statusCode"]), json.loads(payload.get("body") or "{}"))

    def invoke(self, function: str, event: Mapping[str, Any]) -> dict[str, Any]:
        response = clients.client("lambda").invoke(FunctionName=self.functions[function], Payload=json.dumps(event))
        payload = json.loads(response["Payload"].read())
        if response.get("FunctionError"):
            raise RuntimeError(f"{function} failed: {payload.get('errorType')}: {payload.get('errorMessage')}")
        return dict(payload)

    def start_response(self, declared: Mapping[str, Any], name: str | None = None) -> str:
        """Start the response state machine by hand (a drill), as an operator would."""
        arn = clients.client("stepfunctions").start_execution(
            stateMachineArn=self.state_machines["Response"],
            input=json.dumps(declared),
            name=name or str(uuid.uuid4()),  # as EventBridge does; moto would otherwise reuse one name
        )["executionArn"]
        self.executions.append(arn)
        return str(arn)

    def settle(self, timeout_seconds: float = 120.0, ignore: Collection[str] = ()) -> None:
        """Deliver routed events and wait until no execution is running (but those in `ignore`:
        in a shared fabric, responses that were running before, e.g. one waiting for a person)."""
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            moved = self.deliver_routed_events()
            if not moved and not [a for a in self.running() if a not in ignore]:
                return
            time.sleep(0.02)
        raise TimeoutError(f"the local fabric did not settle within {timeout_seconds:.0f} s")

    def await_response(self, signal_id: str, timeout_seconds: float = 120.0) -> str | None:
        """Deliver routed events until the response whose incident holds `signal_id` has ended.

        Unlike `settle`, it waits for nothing else: other responses (another drill, one waiting for
        a person's approval) may keep running. None when no response took up the signal in time.
        """
        deadline = time.monotonic() + timeout_seconds
        sfn = clients.client("stepfunctions")
        found: str | None = None
        while time.monotonic() < deadline:
            self.deliver_routed_events()
            found = found or self._execution_of(signal_id)
            if found and sfn.describe_execution(executionArn=found)["status"] != "RUNNING":
                return found
            if found is None and not self.pending_routed_events(in_flight=True):
                return None  # everything delivered, and no response took the signal up
            time.sleep(0.02)
        raise TimeoutError(f"the response to signal {signal_id} did not end within {timeout_seconds:.0f} s")

    def _execution_of(self, signal_id: str) -> str | None:
        for arn in list(self.executions):
            declared = json.loads(self.execution(arn)["input"])
            if signal_id in declared.get("incident", {}).get("signal_ids", ()):
                return arn
        return None

    def running(self) -> list[str]:
        sfn = clients.client("stepfunctions")
        return [a for a in self.executions if sfn.describe_execution(executionArn=a)["status"] == "RUNNING"]

    def execution(self, arn: str) -> dict[str, Any]:
        return dict(clients.client("stepfunctions").describe_execution(executionArn=arn))

    def pending_routed_events(self, in_flight: bool = False) -> int:
        """How many bus events wait in the route queues; with `in_flight`, also those being delivered."""
        sqs = clients.client("sqs")
        names = ["ApproximateNumberOfMessages"] + (["ApproximateNumberOfMessagesNotVisible"] if in_flight else [])
        total = 0
        for url in self.route_queues.values():
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
            total += sum(int(attributes[n]) for n in names)
        return total

    def deliver_routed_events(self) -> int:
        """Deliver what waits in the route queues; returns how many events moved."""
        sqs = clients.client("sqs")
        moved = 0
        if self.work is not None:
            self.work.track()
        for route in ROUTES:
            url = self.route_queues[route.name]
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            for message in messages:
                self._deliver(route, json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                moved += 1
        return moved

    def _deliver(self, route: Route, event: dict[str, Any]) -> None:
        # EventBridge always sends `account` (the envelope AWS documents); moto 5.2's rules drop it
        # from what they send to a queue (its default input template has no such field).
        event.setdefault("account", ACCOUNT)
        if route.target_kind == "function":
            self.invoke(route.target, event)
            return
        payload = event["detail"] if route.input_path == "$.detail" else event
        self.start_response(payload)


@contextmanager
def local_fabric(
    config_path: Path = DEFAULT_CONFIG,
    secrets_path: Path = DEFAULT_SECRETS,
    log_level: str = "WARNING",
    tunables: Mapping[str, int] | None = None,
    state_dir: Path | None = None,
    hold_lock: bool = True,
) -> Iterator[LocalFabric]:
    """Start moto, provision the fabric, run the handlers in-process; tear it all down after.

    With `state_dir`, the tables and buckets are restored from it at start and saved to it at the
    end, so one CLI command sees what the previous one did (`bulkhead drill`, then
    `bulkhead ledger verify`). Without it the fabric starts empty and leaves nothing behind.
    One process holds a state directory at a time (`hold_lock`; the service holds it already).
    """
    share_service_models()
    with ExitStack() as stack:
        if state_dir is not None and hold_lock:
            stack.enter_context(exclusive(state_dir))
        stack.enter_context(environment({**_PROCESS_ENV, "POWERTOOLS_LOG_LEVEL": log_level}))
        stack.enter_context(mock_aws(config=_MOTO))
        kept = Journal(state_dir / journal.JOURNAL_FILE) if state_dir is not None else None
        stack.enter_context(serialised_backends(kept))
        stack.enter_context(ses_production_quota())
        stack.enter_context(parse_once_per_definition())
        stack.enter_context(ses_event_publishing())  # bounces and complaints reach NotificationFeedback
        _forget_process_caches()
        who = Identities()
        local = LocalFabric(invocations=stack.enter_context(in_process_lambda(who)), identities=who)
        secrets = json.loads(secrets_path.read_text())
        config_text, local.sandboxes = start_sandboxes(config_path.read_text(), secrets, stack)
        _provision(local, config_text, secrets, {**fabric.LOCAL_TUNABLES, **(tunables or {})})
        if enforced():  # from here on every call is signed by a known identity and checked
            stack.enter_context(per_thread_credentials(who))
            stack.enter_context(enforcement(who))
            _forget_process_caches()
        stack.enter_context(environment(local.settings))
        stack.callback(_forget_process_caches)
        if state_dir is not None and kept is not None:
            keep_local_signing_keys(local, state_dir)
            containment_state.keep_prestate_key(state_dir, ACCOUNT, REGION)
            containment_state.keep_sandboxes(local.sandboxes, state_dir, stack)
            work = load_state(state_dir)
            local.work = WorkTracker(kept, local, work)
            stack.callback(kept.close)
            stack.callback(compact, state_dir, local)
            compact(state_dir, local)
            kept.active = True
            stack.enter_context(track_executions(local.work, local.state_machines["Response"]))
            if local.work.mark_interrupted():
                compact(state_dir, local)
        yield local


def compact(state_dir: Path, local: LocalFabric) -> None:
    """A new snapshot of everything, then an empty journal: no write can fall between the two."""
    if local.work is not None:
        local.work.track()  # responses that ended since the last look are not carried over as running
    with DYNAMODB_LOCK, S3_LOCK:
        save_state(state_dir, local.work.export() if local.work else None)
        containment_state.save_sandboxes(local.sandboxes, state_dir)
        if local.work is not None:
            local.work.journal.truncate()


def save_state(state_dir: Path, work: dict[str, Any] | None = None) -> None:
    """Write every table's items and every bucket's objects (atomically: temp file, fsync, rename)."""
    dynamodb, s3 = clients.client("dynamodb"), clients.client("s3")
    state: dict[str, Any] = {"tables": {}, "buckets": {}, "work": work or {}}
    for name in dynamodb.list_tables()["TableNames"]:
        pages = dynamodb.get_paginator("scan").paginate(TableName=name)
        state["tables"][name] = [item for page in pages for item in page.get("Items", [])]
    for bucket in s3.list_buckets().get("Buckets", []):
        objects = state["buckets"].setdefault(bucket["Name"], {})
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
            for obj in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket["Name"], Key=obj["Key"])["Body"].read()
                objects[obj["Key"]] = base64.b64encode(body).decode()
    state_dir.mkdir(parents=True, exist_ok=True)
    temporary = state_dir / "fabric.json.tmp"
    with temporary.open("w") as out:
        out.write(json.dumps(state, default=_binary_to_json))
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(state_dir / "fabric.json")
    directory = os.open(state_dir, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a crash
    finally:
        os.close(directory)


def _binary_to_json(value: object) -> dict[str, str]:
    """DynamoDB binary attributes (B, BS) come back as bytes: keep them as tagged base64."""
    if isinstance(value, bytes | bytearray):
        return {"__b64__": base64.b64encode(value).decode()}
    raise TypeError(f"cannot save {type(value).__name__} in the local state")


def _json_to_binary(value: dict[str, Any]) -> Any:
    return base64.b64decode(value["__b64__"]) if set(value) == {"__b64__"} else value


def load_state(state_dir: Path) -> dict[str, Any]:
    """Put back the snapshot `save_state` wrote, then replay the journal over it.

    Returns the work the snapshot and the journal record (responses running, responses cut off),
    for `WorkTracker`.
    """
    entries = journal.read(state_dir / journal.JOURNAL_FILE)
    saved = state_dir / "fabric.json"
    state: dict[str, Any] = {"tables": {}, "buckets": {}}
    if saved.exists():
        state = json.loads(saved.read_text(), object_hook=_json_to_binary)
    _load_snapshot(state)
    journal.replay(entries, ACCOUNT, REGION)
    return {"snapshot": state.get("work") or {}, "journal": [e for e in entries if e["kind"].startswith("work.")]}


def _load_snapshot(state: dict[str, Any]) -> None:
    dynamodb, s3 = clients.client("dynamodb"), clients.client("s3")
    existing_tables = set(dynamodb.list_tables()["TableNames"])
    for name, items in state["tables"].items():
        if name not in existing_tables:
            continue  # a table the fabric no longer has
        for start in range(0, len(items), 25):
            batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            dynamodb.batch_write_item(RequestItems={name: batch})
    existing_buckets = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    for bucket, objects in state["buckets"].items():
        if bucket not in existing_buckets:
            continue
        for key, body in objects.items():
            s3.put_object(Bucket=bucket, Key=key, Body=base64.b64decode(body))


def _forget_process_caches() -> None:
    clients.reset()
    config.forget_config()
    wiring.forget_secrets()


@contextmanager
def ses_production_quota(max_send_rate: int = 14, max_24_hour_send: int = 50_000) -> Iterator[None]:
    """moto's SES always reports the sandbox quota (1 message/s); the local fabric stands for an
    account with production access, as a real deployment has, so notices are paced like one."""
    from moto.ses.models import SESQuota  # noqa: PLC0415 - moto is a development dependency

    original = SESQuota.__init__

    def production(self: SESQuota, sent: int) -> None:
        original(self, sent)
        self.max_send_rate = max_send_rate
        self.max24_hour_send = max_24_hour_send

    SESQuota.__init__ = production  # type: ignore[method-assign]
    try:
        yield
    finally:
        SESQuota.__init__ = original  # type: ignore[method-assign]


def _provision(local: LocalFabric, config_text: str, secrets: Mapping[str, str], tunables: Mapping[str, int]) -> None:
    c = clients.client
    firm = config.parse_config(config_text, origin="local configuration")  # fail early, naming the field
    # In AWS the operator verifies the sender identity once (docs/deploy.md); locally it is given.
    c("ses").verify_email_identity(EmailAddress=firm.notices.sender)
    c("ssm").put_parameter(Name=fabric.CONFIG_PARAMETER_NAME, Value=config_text, Type="String")
    for secret_id, value in secrets.items():
        c("secretsmanager").create_secret(Name=secret_id, SecretString=value)
    for table in fabric.TABLES:
        local.tables[table.name] = create_table(c("dynamodb"), table)
    for topic in fabric.TOPICS:
        local.topics[topic] = c("sns").create_topic(Name=f"bulkhead-{topic.lower()}")["TopicArn"]
    c("events").create_event_bus(Name=fabric.EVENT_BUS_NAME)
    _provision_ledger_evidence(local)
    _provision_firm_buckets(firm)
    local.settings = _settings(local)
    role = c("iam").create_role(RoleName="bulkhead-local", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    if enforced():
        local.identities.provision(ACCOUNT, REGION)
    for spec in fabric.FUNCTIONS:
        local.functions[spec.name] = c("lambda").create_function(
            FunctionName=f"bulkhead-{spec.name}",
            Runtime="python3.13",
            Role=local.identities.role_arn(spec.name, ACCOUNT) if enforced() else role,
            Handler=spec.handler,
            Code={"ZipFile": _EMPTY_ZIP},
            Timeout=spec.timeout_seconds,
            MemorySize=spec.memory_mb,
            Environment={"Variables": {s.value: local.settings[s.value] for s in spec.settings}},
        )["FunctionArn"]
    for machine in fabric.STATE_MACHINES:
        arns = {p: local.functions[f] for p, f in machine.functions.items()}
        arns |= {p: local.topics[t] for p, t in machine.topics.items()}
        definition = asl.render(asl.load(machine.definition_file), {**arns, **tunables})
        local.state_machines[machine.name] = c("stepfunctions").create_state_machine(
            name=f"bulkhead-{machine.name}", definition=json.dumps(definition), roleArn=role
        )["stateMachineArn"]
    for route in ROUTES:
        local.route_queues[route.name] = _route_to_queue(route)
    # As the stack does: SES feedback -> the NotificationFeedback topic -> RecordNotificationFeedback.
    provision_feedback(
        c("ses"),
        c("sns"),
        firm.notices.configuration_set,
        local.topics["NotificationFeedback"],
        local.functions["RecordNotificationFeedback"],
    )


def create_table(dynamodb: Any, table: fabric.TableSpec, name: str | None = None) -> str:
    """A table with the key schema the fabric gives it: the one the stack deploys (tests use it too)."""
    name = name or f"bulkhead-{table.name.lower()}"
    keys = [{"AttributeName": table.partition_key, "KeyType": "HASH"}]
    attributes = [{"AttributeName": table.partition_key, "AttributeType": "S"}]
    if table.sort_key:
        keys.append({"AttributeName": table.sort_key[0], "KeyType": "RANGE"})
        attributes.append({"AttributeName": table.sort_key[0], "AttributeType": table.sort_key[1]})
    dynamodb.create_table(
        TableName=name, KeySchema=keys, AttributeDefinitions=attributes, BillingMode="PAY_PER_REQUEST"
    )
    return name


def _settings(local: LocalFabric) -> dict[str, str]:
    values = {
        Env.CONFIG_PARAMETER: fabric.CONFIG_PARAMETER_NAME,
        Env.EVENT_BUS: fabric.EVENT_BUS_NAME,
        Env.ONCALL_TOPIC: local.topics["OnCall"],
        # Clock reminders: moto's default schedule group; moto does not assume the role.
        Env.REMINDER_GROUP: "default",
        Env.REMINDER_ROLE_ARN: f"arn:aws:iam::{ACCOUNT}:role/bulkhead-reminders",
        Env.REGION: REGION,
        # Scheduled drills start the Response machine; moto names it as AWS does (created after the functions).
        Env.RESPONSE_STATE_MACHINE: f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:bulkhead-Response",
        # `incident escalate` runs what an escalation adds on the Escalation machine.
        Env.ESCALATION_STATE_MACHINE: f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:bulkhead-Escalation",
        # Seals containment pre-states; with a state directory it is kept across runs (containment_state).
        Env.PRESTATE_KEY_ID: containment_state.create_prestate_key(),
    }
    values |= {t.setting: local.tables[t.name] for t in fabric.TABLES if t.setting}
    values |= {b.setting: local.buckets[b.name] for b in fabric.BUCKETS}
    values |= {k.setting: k.alias for k in fabric.SIGNING_KEYS}
    return {k.value: v for k, v in values.items()}


# --- ledger evidence: signing keys and Object Lock buckets (fabric.SIGNING_KEYS, fabric.BUCKETS) ---


def _provision_firm_buckets(firm: config.FirmConfig) -> None:
    """The firm's own buckets of customer exports, which findings name and containment locks down.

    In AWS they exist already; locally they stand in for them, open to the public as a leaking bucket
    would be, so a drill's `aws.block_bucket_public_access` acts on something real.
    """
    s3 = clients.client("s3")
    for bucket in sorted({b for store in firm.stores for b in store.customer_data_buckets}):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})


def _provision_ledger_evidence(local: LocalFabric) -> None:
    kms, s3 = clients.client("kms"), clients.client("s3")
    for key in fabric.SIGNING_KEYS:
        arn = kms.create_key(KeySpec=key.key_spec, KeyUsage="SIGN_VERIFY", Description=key.name)["KeyMetadata"]["Arn"]
        kms.create_alias(AliasName=key.alias, TargetKeyId=arn)
        local.signing_keys[key.name] = arn
    for bucket in fabric.BUCKETS:
        name = f"bulkhead-{bucket.name.lower()}-{ACCOUNT}"
        locked = bucket.object_lock_days is not None
        s3.create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION}, ObjectLockEnabledForBucket=locked
        )
        if locked:
            s3.put_object_lock_configuration(
                Bucket=name,
                ObjectLockConfiguration={
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": bucket.object_lock_days}},
                },
            )
        local.buckets[bucket.name] = name


def keep_local_signing_keys(local: LocalFabric, state_dir: Path) -> None:
    """Locally only: keep each signing key's private half in the state directory across invocations.

    moto makes a new key pair per process; without this, heads signed by `bulkhead drill` could not
    be verified by the next command. In AWS the private key never leaves KMS.
    """
    keys = kms_backends[ACCOUNT][REGION].keys
    for name, arn in local.signing_keys.items():
        moto_key: Any = keys[arn.rsplit("/", 1)[-1]].private_key  # moto's ECDSAPrivateKey
        saved = state_dir / f"local-{name}.pem"
        if saved.exists():
            moto_key.private_key = serialization.load_pem_private_key(saved.read_bytes(), password=None)
            continue
        state_dir.mkdir(parents=True, exist_ok=True)
        pem = moto_key.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        saved.write_bytes(pem)
        saved.chmod(0o600)


def _route_to_queue(route: Route) -> str:
    """Locally, a route's rule targets a queue that `settle` drains; in AWS it targets the resource."""
    sqs, events = clients.client("sqs"), clients.client("events")
    url = sqs.create_queue(QueueName=f"bulkhead-route-{route.name}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=route.name, EventBusName=fabric.EVENT_BUS_NAME, EventPattern=json.dumps(route.pattern))
    events.put_targets(Rule=route.name, EventBusName=fabric.EVENT_BUS_NAME, Targets=[{"Id": "local", "Arn": arn}])
    return str(url)


def http_api_event(method: str, path: str, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) event, as the ingest handler receives it."""
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {k.lower(): v for k, v in headers.items()},
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "bulkhead",
            },
            "requestId": "local",
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "time": "27/Nov/2026:00:00:00 +0000",
            "timeEpoch": 0,
        },
        "body": text,
        "isBase64Encoded": encoded,
    }


def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README", "Handlers run in-process through bulkhead.local.lambda_seam.")
    return buffer.getvalue()


_EMPTY_ZIP = _empty_zip()
