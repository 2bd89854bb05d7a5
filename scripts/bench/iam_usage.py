"""Which granted actions each role used: the drill catalogue under IAM enforcement, plus test runs.

Runs every scenario of the drill catalogue on one local fabric with IAM enforced (every handler as
its function's role, bulkhead/local/identities.py), and adds the usage the test suite recorded
when run with BULKHEAD_IAM_USAGE_LOG=<file> (`--usage-log <file>`). A granted action no call used
is unused; each one that stays must have its reason in UNUSED_BY_DESIGN below. Side by side, the
same catalogue runs with enforcement off: the ratio is what enforcement costs.

    .venv/bin/python scripts/bench/iam_usage.py [--usage-log FILE] [--no-overhead] [--details]
"""

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bulkhead.drills.runner import run_scenario  # noqa: E402
from bulkhead.local.identities import ENFORCEMENT, role_actions  # noqa: E402
from bulkhead.local.runtime import local_fabric  # noqa: E402
from functions.drills.adapters.catalogue import load_catalogue  # noqa: E402

# Granted, and rightly, though no handler's own call can show it locally. (role or "*", action) -> why.
UNUSED_BY_DESIGN: dict[tuple[str, str], str] = {
    ("*", "logs:CreateLogStream"): "the Lambda runtime writes the function's logs with its role, not handler code",
    ("*", "logs:PutLogEvents"): "the Lambda runtime writes the function's logs with its role, not handler code",
    ("*", "xray:PutTraceSegments"): "active tracing: the Lambda/Step Functions X-Ray integration sends segments",
    ("*", "xray:PutTelemetryRecords"): "active tracing: the X-Ray integration reports telemetry",
    ("*", "xray:GetSamplingRules"): "active tracing of the state machines: Step Functions reads sampling rules",
    ("*", "xray:GetSamplingTargets"): "active tracing of the state machines: Step Functions reads sampling targets",
    ("*", "kms:Decrypt"): "SSE-KMS: DynamoDB, S3, SNS and SQS decrypt with the fabric key on the caller's "
    "behalf, and Lambda decrypts the environment at start; moto encrypts nothing with KMS",
    ("*", "kms:GenerateDataKey"): "SSE-KMS: the encrypted tables, topics, buckets and queue generate data keys "
    "on the writer's behalf; moto does not model it",
    ("*", "sqs:SendMessage"): "Lambda writes a failed asynchronous event to the dead-letter queue with the "
    "function's role; no handler sends it",
    ("states", "logs:CreateLogDelivery"): "Step Functions vended logging (set up by the service at deploy)",
    ("states", "logs:DeleteLogDelivery"): "Step Functions vended logging (set up by the service at deploy)",
    ("states", "logs:DescribeLogGroups"): "Step Functions vended logging (set up by the service at deploy)",
    ("states", "logs:DescribeResourcePolicies"): "Step Functions vended logging (set up by the service at deploy)",
    ("states", "logs:GetLogDelivery"): "Step Functions vended logging (set up by the service at deploy)",
    ("states", "logs:ListLogDeliveries"): "Step Functions vended logging (set up by the service at deploy)",
    ("states", "logs:PutResourcePolicy"): "Step Functions vended logging (set up by the service at deploy)",
    ("states", "logs:UpdateLogDelivery"): "Step Functions vended logging (set up by the service at deploy)",
    ("states", "states:StartExecution"): "a Distributed Map runs its batches as child executions in AWS; moto's "
    "interpreter runs them inline",
    ("states", "states:DescribeExecution"): "a Distributed Map watches its child executions in AWS (inline in moto)",
    ("states", "states:StopExecution"): "a Distributed Map stops its child executions on failure in AWS",
}


_UNREACHED = "no local run reached that call"
_IDEMPOTENCY = (
    "Powertools idempotency reads an existing record on a duplicate delivery (GetItem) and deletes its claim "
    f"when the handler fails (DeleteItem); {_UNREACHED} for this function"
)
_ROTATE = f"the containment kind that rotates a secret tagged for it; {_UNREACHED}"
_WAF = f"the containment kind that blocks addresses in the firm's WAF IP sets; {_UNREACHED}"
_APPEND = f"its ledger appends (sign, anchor); {_UNREACHED}"
_SECRET_ACTIONS = (
    "secretsmanager:DescribeSecret",
    "secretsmanager:ListSecretVersionIds",
    "secretsmanager:PutSecretValue",
    "secretsmanager:RotateSecret",
    "secretsmanager:UpdateSecretVersionStage",
)
_CONTAIN = ("ApplyContainmentAction", "RevertContainmentAction")
_IDEMPOTENT = (
    "DeclareIncident",
    "ReceiveAdobeCommerceWebhook",
    "ReceiveFlowRequest",
    "ReceiveIoEvent",
    "ReceivePlatformEvent",
    "ReceiveWebhook",
    "RequestApproval",
    "SendNoticeBatch",
)
# Granted for a path the code has, but which neither the drill catalogue nor the tests run with
# BULKHEAD_IAM_USAGE_LOG reach locally: each is a test to write, not a grant to drop.
NOT_EXERCISED: dict[tuple[str, str], str] = {
    **{(r, a): _ROTATE for r in _CONTAIN for a in _SECRET_ACTIONS},
    **{(r, a): _WAF for r in _CONTAIN for a in ("wafv2:GetIPSet", "wafv2:UpdateIPSet")},
    **{
        ("RevertContainmentAction", a): f"reverting a bucket's public-access block; {_UNREACHED}"
        for a in ("s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock")
    },
    **{(r, a): _IDEMPOTENCY for r in _IDEMPOTENT for a in ("dynamodb:GetItem", "dynamodb:DeleteItem")},
    **{
        ("ReceiveIoEvent", a): f"an Adobe I/O event received through a local fabric; {_UNREACHED}"
        for a in (
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "events:PutEvents",
            "secretsmanager:GetSecretValue",
            "ssm:GetParameter",
        )
    },
    (
        "ReceivePlatformEvent",
        "secretsmanager:GetSecretValue",
    ): f"a platform event whose check needs a store secret; {_UNREACHED}",
    ("DecideApproval", "states:SendTaskFailure"): f"a rejection through the signed approval link; {_UNREACHED}",
    **{("PlanRestore", a): _APPEND for a in ("dynamodb:PutItem", "kms:GetPublicKey", "kms:Sign", "s3:PutObject")},
    **{
        ("RecordRevertFailure", a): f"runs only when a revert fails; {_UNREACHED}"
        for a in ("dynamodb:PutItem", "dynamodb:Query", "kms:GetPublicKey", "kms:Sign", "s3:PutObject")
    },
    **{
        ("ResolveAudience", a): f"SES templates and sends granted with the email access; {_UNREACHED}"
        for a in ("ses:CreateTemplate", "ses:SendBulkTemplatedEmail", "ses:UpdateTemplate")
    },
    ("ScoreDrill", "s3:GetObject"): f"reading an anchor object while scoring a drill; {_UNREACHED}",
    ("SendNoticeBatch", "kms:GetPublicKey"): f"the ledger signer's first use in this function; {_UNREACHED}",
    ("SendNoticeBatch", "ses:GetSendQuota"): f"reading the SES quota before sending; {_UNREACHED}",
    ("SendNoticeBatch", "sns:Publish"): f"SMS notices; {_UNREACHED}",
    ("StartClocks", "dynamodb:Scan"): f"scanning the clocks table; {_UNREACHED}",
    ("StartClocks", "iam:PassRole"): "IAM checks PassRole when Scheduler is handed the reminder role; moto's "
    "Scheduler does not ask IAM",
    ("StartClocks", "scheduler:DeleteSchedule"): f"deleting a reminder schedule; {_UNREACHED}",
    ("SweepClocks", "secretsmanager:GetSecretValue"): f"a secret read while sweeping clocks; {_UNREACHED}",
}


def justified(role: str, action: str) -> str | None:
    return UNUSED_BY_DESIGN.get((role, action)) or UNUSED_BY_DESIGN.get(("*", action))


def run_catalogue(enforced: bool) -> tuple[dict[str, Any], float, int]:
    os.environ[ENFORCEMENT] = "on" if enforced else "off"
    catalogue = load_catalogue()
    started = time.monotonic()
    with local_fabric(log_level="CRITICAL") as local:
        failed = sum(
            0 if run_scenario(local, s, reports=Path(tempfile.mkdtemp())).passed else 1 for s in catalogue.values()
        )
        usage = local.identities.usage.export()
    return usage, time.monotonic() - started, failed


def merge(usages: list[dict[str, Any]]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    used: dict[str, set[str]] = defaultdict(set)
    denied: dict[str, set[str]] = defaultdict(set)
    for usage in usages:
        for identity, action, _ in usage["allowed"]:
            used[identity].add(action)
        for identity, action, _ in usage["denied"]:
            denied[identity].add(action)
    return used, denied


def classify(
    roles: dict[str, list[str]], used: dict[str, set[str]]
) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """Unused grants: without a reason, by design, and needed on a path no local run reaches."""
    unused: list[tuple[str, str]] = []
    justified_unused: list[tuple[str, str, str]] = []
    not_exercised: list[tuple[str, str, str]] = []
    for role, actions in sorted(roles.items()):
        for action in actions:
            if action in used.get(role, set()):
                continue
            reason = justified(role, action)
            if reason:
                justified_unused.append((role, action, reason))
            elif (role, action) in NOT_EXERCISED:
                not_exercised.append((role, action, NOT_EXERCISED[(role, action)]))
            else:
                unused.append((role, action))
    return unused, justified_unused, not_exercised


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--usage-log", type=Path, help="JSON lines written by test runs (BULKHEAD_IAM_USAGE_LOG)")
    parser.add_argument("--no-overhead", action="store_true", help="skip the run with enforcement off")
    parser.add_argument("--details", action="store_true", help="list every unused action with its reason")
    args = parser.parse_args()

    drill_usage, enforced_seconds, failed = run_catalogue(enforced=True)
    off_seconds = None if args.no_overhead else run_catalogue(enforced=False)[1]
    usages = [drill_usage]
    if args.usage_log and args.usage_log.exists():
        usages += [json.loads(line) for line in args.usage_log.read_text().splitlines() if line.strip()]
    used, _ = merge(usages)
    _, denied_in_drills = merge([drill_usage])

    grants = role_actions()
    roles = dict(grants["functions"])
    roles["states"] = sorted({a for actions in grants["state_machines"].values() for a in actions})
    unused, justified_unused, not_exercised = classify(roles, used)
    if args.details:
        for role, action, reason in justified_unused:
            print(f"justified  {role:28} {action:40} {reason}")
        for role, action, reason in not_exercised:
            print(f"untested   {role:28} {action:40} {reason}")
    for role, action in unused:
        print(f"UNUSED     {role:28} {action}")
    for role, actions in sorted(denied_in_drills.items()):
        print(f"DENIED     {role:28} {', '.join(sorted(actions))}")
    granted_actions = sum(len(a) for a in roles.values())
    print(f"scenarios_failed: {failed}")
    print(f"usage_runs_merged: {len(usages)}")
    print(f"roles: {len(roles)}")
    print(f"granted_actions: {granted_actions}")
    print(f"used_actions: {sum(len(used.get(r, set()) & set(a)) for r, a in roles.items())}")
    print(f"unused_by_design: {len(justified_unused)}")
    print(f"unused_not_exercised_locally: {len(not_exercised)}")
    print(f"unused_actions: {len(unused)}")
    print(f"access_denied_in_drills: {sum(len(a) for a in denied_in_drills.values())}")
    print(f"catalogue_seconds_enforced: {enforced_seconds:.1f}")
    if off_seconds is not None:
        print(f"catalogue_seconds_unenforced: {off_seconds:.1f}")
        print(f"enforcement_overhead_ratio: {enforced_seconds / off_seconds:.2f}")
    return 1 if denied_in_drills or failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
