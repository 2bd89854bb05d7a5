"""Who makes each call in the local fabric, and moto enforcing IAM on it.

In AWS every function runs as its own role, and each state machine calls its tasks as its own.
Locally the same holds: at provisioning each function gets an IAM role whose policy is its role's
policy in the synthesized template (bulkhead/local/roles.json, projected by infra/local_roles.py),
and the Lambda seam runs each handler with that role's assumed-role credentials. Then moto
authenticates and authorises every call (`INITIAL_NO_AUTH_ACTION_COUNT`, the setting behind
`moto.core.set_initial_no_auth_action_count`), so a call outside a role's grants fails with
AccessDenied, as it would in AWS.

Four kinds of identity are not functions:
- the state machines: moto's interpreter signs its own service-integration calls (Lambda invoke,
  SNS publish, the ItemReader's S3 read) with the fixed key `ak`, one key for every machine, so
  that key belongs to a user holding the union of the machines' template policies;
- the fabric itself: provisioning, delivering routed events, saving state, and the CLI commands run
  in-process or against the service's endpoint (service.json holds its key). It is the emulator's
  own machinery, standing in for CloudFormation, EventBridge and the operator, and may do anything;
- the operators (on-call, approver, auditor): users holding the stack's operator policies, so a
  command can be run as a person would run it against AWS;
- nothing else: a call signed with any other key is refused (InvalidClientTokenId).

Credentials are chosen per call, not per client: `functions.common.clients` caches one boto3
client per service for the process, and Map/Parallel branches run handlers on several threads at
once. The default boto3 session gets one credentials object whose frozen credentials are those of
the identity the calling thread acts as (a thread-local set by the seam around each handler);
work a handler hands to a thread pool acts as the handler's identity too.

moto checks the action of every call but authorises most services against resource `*` (S3 passes
the bucket and key), and it does not evaluate condition keys: roles.json keeps actions only. The
infra tests assert resources and conditions on the template (docs/local-fabric.md).
"""

import json
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import boto3
import botocore.session
from botocore.credentials import CredentialProvider, CredentialResolver, Credentials, ReadOnlyCredentials

ROLES_FILE = Path(__file__).with_name("roles.json")
ENFORCEMENT = "BULKHEAD_IAM_ENFORCEMENT"  # "off" runs the local fabric without IAM checks
# With a path, each local fabric appends what its identities used (one JSON line) when it stops:
# scripts/bench/iam_usage.py adds the test suite's runs to the drill catalogue's.
USAGE_LOG = "BULKHEAD_IAM_USAGE_LOG"
INTERPRETER_KEY = ("ak", "sk")  # moto.stepfunctions.parser.asl.utils.boto_client signs with these
FABRIC_USER = "bulkhead-local-fabric"
STATES_USER = "bulkhead-local-states"
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
# Where moto authorises a call under another name than IAM's action: IAM action -> moto's names.
# Lambda's Invoke is named after the operation; S3's public-access-block calls miss moto's action
# map (it keys on `public_access_block`, the request says `publicAccessBlock`), so they fall to
# the method's default: GET -> ListBucket, PUT -> CreateBucket, DELETE -> DeleteBucket (IAM
# authorises that delete as PutBucketPublicAccessBlock). Local policies grant both names; usage is
# reported under the IAM action the role holds.
MOTO_ACTION_NAMES = {
    "lambda:InvokeFunction": ("lambda:Invoke",),
    "s3:GetBucketPublicAccessBlock": ("s3:ListBucket",),
    "s3:PutBucketPublicAccessBlock": ("s3:CreateBucket", "s3:DeleteBucket"),
}
T = TypeVar("T")


def enforced() -> bool:
    return os.environ.get(ENFORCEMENT, "on").lower() not in {"off", "0", "false"}


def role_actions() -> dict[str, dict[str, list[str]]]:
    """{"functions": {name: actions}, "state_machines": {name: actions}}, as the template grants them."""
    return json.loads(ROLES_FILE.read_text())  # type: ignore[no-any-return]


def allow(actions: list[str] | str, sid: str) -> str:
    if isinstance(actions, list):
        actions = sorted({*actions, *(m for a in actions for m in MOTO_ACTION_NAMES.get(a, ()))})
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": "*"}]}
    )


@dataclass(frozen=True)
class Identity:
    name: str  # a function name, "states", or "fabric"
    access_key: str
    secret_key: str
    token: str | None = None


@dataclass
class Usage:
    """What each identity was allowed and refused, as moto authorised it."""

    allowed: Counter[tuple[str, str]] = field(default_factory=Counter)  # (identity, action) -> calls
    denied: Counter[tuple[str, str]] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, identity: str, action: str, permitted: bool, granted: frozenset[str] = frozenset()) -> None:
        if action not in granted:  # moto's name for an action the role holds under IAM's name
            action = next((iam for iam in granted if action in MOTO_ACTION_NAMES.get(iam, ())), action)
        with self._lock:
            (self.allowed if permitted else self.denied)[(identity, action)] += 1

    def append_to(self, path: Path) -> None:
        with path.open("a") as out:
            out.write(json.dumps(self.export()) + "\n")

    def export(self) -> dict[str, Any]:
        with self._lock:
            return {
                "allowed": sorted([i, a, n] for (i, a), n in self.allowed.items()),
                "denied": sorted([i, a, n] for (i, a), n in self.denied.items()),
            }


_acting = threading.local()


def current() -> Identity | None:
    return getattr(_acting, "identity", None)


@contextmanager
def acting_as(identity: Identity | None) -> Iterator[None]:
    """Calls this thread makes in the block are signed as `identity` (None: the fabric's own)."""
    previous = current()
    _acting.identity = identity
    try:
        yield
    finally:
        _acting.identity = previous


class _PerThreadCredentials(Credentials):  # type: ignore[misc]
    """Credentials whose value is read at signing time, from the identity the thread acts as."""

    def __init__(self, fallback: Identity) -> None:
        super().__init__(fallback.access_key, fallback.secret_key, fallback.token, method="bulkhead-local")
        self._fallback = fallback

    def get_frozen_credentials(self) -> ReadOnlyCredentials:
        who = current() or self._fallback
        return ReadOnlyCredentials(who.access_key, who.secret_key, who.token)


class _Provider(CredentialProvider):  # type: ignore[misc]
    METHOD = "bulkhead-local"
    CANONICAL_NAME = "bulkhead-local"

    def __init__(self, credentials: Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> Credentials:
        return self._credentials


class Identities:
    """The identities of one local fabric; filled at provisioning (`provision`)."""

    def __init__(self) -> None:
        self.functions: dict[str, Identity] = {}  # "bulkhead-<Name>" -> the function role's credentials
        self.fabric: Identity | None = None
        self.operators: dict[str, Identity] = {}  # fabric.OPERATORS name -> that operator's user key
        self.usage = Usage()
        self._names: dict[str, str] = {}  # access key id -> identity name
        self.granted: dict[str, frozenset[str]] = {}  # identity name -> IAM actions its policy grants
        self._started: set[str] = set()
        self._lock = threading.Lock()

    def cold_start(self, function_name: str) -> bool:
        """True on a function's first invocation in this fabric."""
        with self._lock:
            first = function_name not in self._started
            self._started.add(function_name)
        return first

    def for_function(self, function_name: str) -> Identity | None:
        return self.functions.get(function_name)

    def name_of(self, access_key: str) -> str:
        return self._names.get(access_key, "unknown")

    def provision(self, account: str, region: str) -> None:
        """Create the roles and users (before enforcement starts: they are the emulator's own setup).

        They are made in moto's IAM and STS backends directly, not through the API: the fabric is
        provisioned for every command and every test, and serialising these hundred-odd requests
        through botocore and back cost more than all the rest of provisioning (measured: 0.44 s of
        CPU against 0.006 s). What they leave in moto is what the API calls would have left.
        """
        from moto.iam.models import iam_backends  # noqa: PLC0415 - moto is a development dependency
        from moto.sts.models import sts_backends  # noqa: PLC0415

        iam, sts = iam_backends[account]["aws"], sts_backends[account]["aws"]
        grants = role_actions()
        for name, actions in grants["functions"].items():
            role = f"bulkhead-{name}"
            arn = iam.create_role(
                role_name=role,
                assume_role_policy_document=json.dumps(LAMBDA_TRUST),
                path="/",
                permissions_boundary=None,
                description="",
                tags=[],
                max_session_duration="3600",
            ).arn
            iam.put_role_policy(role, "grants", allow(actions, "Grants"))
            unset: dict[str, Any] = {"policy": None, "external_id": None}  # as the API passes them when absent
            given = sts.assume_role(region_name=region, role_session_name=name, role_arn=arn, duration=3600, **unset)
            self._add(Identity(name, given.access_key_id, given.secret_access_key, given.session_token), role)
            self.granted[name] = frozenset(actions)
        union = sorted({a for actions in grants["state_machines"].values() for a in actions})
        self.granted["states"] = frozenset(union)
        self._add(self._user(iam, region, STATES_USER, union, fixed_key=INTERPRETER_KEY), None)
        self.fabric = self._user(iam, region, FABRIC_USER, "*")
        self._add(self.fabric, None)
        for name, actions in grants.get("operators", {}).items():  # people: on-call, approver, auditor
            operator = self._user(iam, region, f"bulkhead-operator-{name}", actions)
            self.operators[name] = operator
            self._add(operator, None)
            self.granted[operator.name] = frozenset(actions)

    def role_arn(self, function: str, account: str) -> str:
        return f"arn:aws:iam::{account}:role/bulkhead-{function}"

    def _add(self, identity: Identity, function_name: str | None) -> None:
        self._names[identity.access_key] = identity.name
        if function_name is not None:
            self.functions[function_name] = identity

    def _user(
        self, iam: Any, region: str, name: str, actions: list[str] | str, fixed_key: tuple[str, str] | None = None
    ) -> Identity:
        iam.create_user(region_name=region, user_name=name)
        iam.put_user_policy(name, "grants", allow(actions, "Grants"))
        key = iam.create_access_key(user_name=name)
        if fixed_key is None:
            label = "fabric" if name == FABRIC_USER else name.removeprefix("bulkhead-operator-")
            return Identity(label, key.access_key_id, key.secret_access_key)
        # moto's interpreter signs with a fixed key; give that key to this user (local only).
        key.access_key_id, key.secret_access_key = fixed_key
        return Identity("states", *fixed_key)


@contextmanager
def per_thread_credentials(identities: Identities) -> Iterator[None]:
    """boto3's default session signs each call as the calling thread's identity (fabric by default)."""
    assert identities.fabric is not None, "provision the identities first"
    session = botocore.session.get_session()
    session.register_component(
        "credential_provider", CredentialResolver([_Provider(_PerThreadCredentials(identities.fabric))])
    )
    previous = boto3.DEFAULT_SESSION
    boto3.DEFAULT_SESSION = boto3.Session(botocore_session=session)
    original_submit = ThreadPoolExecutor.submit

    def submit(self: ThreadPoolExecutor, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> "Future[T]":
        who = current()

        def as_caller() -> T:
            with acting_as(who):
                return fn(*args, **kwargs)

        return original_submit(self, as_caller)

    ThreadPoolExecutor.submit = submit  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        ThreadPoolExecutor.submit = original_submit  # type: ignore[method-assign]
        boto3.DEFAULT_SESSION = previous


@contextmanager
def enforcement(identities: Identities) -> Iterator[None]:
    """moto authenticates and authorises every call from here on; each decision is recorded."""
    from moto import settings  # noqa: PLC0415 - moto is a development dependency
    from moto.core.authorization import ActionAuthenticatorMixin  # noqa: PLC0415
    from moto.iam.access_control import IAMRequestBase  # noqa: PLC0415

    original_check = IAMRequestBase.check_action_permitted

    def check(self: IAMRequestBase, resource: str) -> None:
        who = identities.name_of(self._access_key.create_credentials().access_key)
        try:
            original_check(self, resource)
        except Exception:
            identities.usage.record(who, self._action, False, identities.granted.get(who, frozenset()))
            raise
        identities.usage.record(who, self._action, True, identities.granted.get(who, frozenset()))

    def known_key(self: IAMRequestBase) -> None:
        """The key must be an identity's (checked when the request is parsed); moto's own SigV4
        recomputation differs from botocore's on some requests (measured: Scheduler's DeleteSchedule
        at the service's endpoint), refusing valid ones, so the signature itself is not checked."""

    original_signature = IAMRequestBase.check_signature
    saved = settings.INITIAL_NO_AUTH_ACTION_COUNT, ActionAuthenticatorMixin.request_count
    IAMRequestBase.check_action_permitted = check  # type: ignore[method-assign]
    IAMRequestBase.check_signature = known_key  # type: ignore[method-assign]
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    ActionAuthenticatorMixin.request_count = 0
    try:
        yield
    finally:
        settings.INITIAL_NO_AUTH_ACTION_COUNT, ActionAuthenticatorMixin.request_count = saved
        if os.environ.get(USAGE_LOG):
            identities.usage.append_to(Path(os.environ[USAGE_LOG]))
        IAMRequestBase.check_action_permitted = original_check  # type: ignore[method-assign]
        IAMRequestBase.check_signature = original_signature  # type: ignore[method-assign]


def as_mapping(identity: Identity) -> Mapping[str, str]:
    """Environment variables that sign as `identity` (another process, at the service's endpoint)."""
    values = {"AWS_ACCESS_KEY_ID": identity.access_key, "AWS_SECRET_ACCESS_KEY": identity.secret_key}
    return values | ({"AWS_SESSION_TOKEN": identity.token} if identity.token else {})
