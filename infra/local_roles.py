"""The synthesized template's roles, projected to what the local fabric enforces.

The local fabric runs every handler as its function's role and the state machines' own calls as
their roles (bulkhead/local/identities.py). Those roles come from the template `cdk synth` writes,
never from a second list: this module reads each role's statements out of it, and
`python -m infra.local_roles <template> [out]` writes the projection to
`bulkhead/local/roles.json`; tests/infra/test_local_roles.py fails when the two drift apart.

The projection keeps the actions and drops resources and conditions: moto checks the action of
every call but, for most services, authorises against `*` (S3 passes the bucket and key), and it
cannot evaluate condition keys such as kms:EncryptionContextKeys. The infra tests keep asserting
resources and conditions on the template itself (docs/local-fabric.md, "IAM enforcement").
"""

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra import fabric

ROOT = Path(__file__).resolve().parent.parent
LOCAL_ROLES = ROOT / "bulkhead" / "local" / "roles.json"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _role_of(properties: Mapping[str, Any], key: str) -> str:
    value = properties[key]
    if not (isinstance(value, dict) and "Fn::GetAtt" in value):
        raise ValueError(f"expected a role created in the stack, found {value!r}")
    return str(value["Fn::GetAtt"][0])


def _allowed_actions(resources: Mapping[str, Any], role_id: str) -> list[str]:
    statements: list[dict[str, Any]] = []
    for policy in resources[role_id]["Properties"].get("Policies", []):
        statements.extend(policy["PolicyDocument"]["Statement"])
    for resource in resources.values():
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in resource["Properties"].get("Roles", []):
            statements.extend(resource["Properties"]["PolicyDocument"]["Statement"])
    if any(s["Effect"] != "Allow" for s in statements):
        raise ValueError(f"{role_id}: a Deny statement cannot be projected to actions alone")
    return sorted({action for s in statements for action in _as_list(s["Action"])})


def _operator_actions(resources: Mapping[str, Any]) -> dict[str, list[str]]:
    """Each operator's managed policy (fabric.OPERATORS), found by the description it is given."""
    found: dict[str, list[str]] = {}
    for resource in resources.values():
        if resource["Type"] != "AWS::IAM::ManagedPolicy":
            continue
        description = str(resource["Properties"].get("Description", ""))
        for spec in fabric.OPERATORS:
            if description.startswith(spec.description):
                statements = resource["Properties"]["PolicyDocument"]["Statement"]
                found[spec.name] = sorted({a for s in statements for a in _as_list(s["Action"])})
    return dict(sorted(found.items()))


def project(template: Mapping[str, Any]) -> dict[str, dict[str, list[str]]]:
    """{"functions"|"state_machines"|"operators": {name: actions}} from a synthesized template."""
    resources: Mapping[str, Any] = template["Resources"]
    by_handler = {spec.handler: spec.name for spec in fabric.FUNCTIONS}
    functions: dict[str, list[str]] = {}
    machines: dict[str, list[str]] = {}
    for resource in resources.values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Lambda::Function" and properties.get("Handler") in by_handler:
            functions[by_handler[properties["Handler"]]] = _allowed_actions(resources, _role_of(properties, "Role"))
        if resource["Type"] == "AWS::StepFunctions::StateMachine":
            name = str(properties["StateMachineName"]).removeprefix("bulkhead-")
            machines[name] = _allowed_actions(resources, _role_of(properties, "RoleArn"))
    missing = set(by_handler.values()) - set(functions)
    if missing:
        raise ValueError(f"functions without a role in the template: {sorted(missing)}")
    return {
        "functions": dict(sorted(functions.items())),
        "state_machines": dict(sorted(machines.items())),
        "operators": _operator_actions(resources),
    }


def main(argv: list[str]) -> int:
    if not argv:
        sys.stderr.write("usage: python -m infra.local_roles <synthesized template> [out]\n")
        return 2
    out = Path(argv[1]) if len(argv) > 1 else LOCAL_ROLES
    out.write_text(json.dumps(project(json.loads(Path(argv[0]).read_text())), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
