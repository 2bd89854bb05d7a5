"""Small readers over the synthesized template, so each test states its property plainly."""

from typing import Any

from infra import fabric
from tests.infra.conftest import Synthesized


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def logical_id(value: Any) -> str | None:
    """The resource a `Ref` or `Fn::GetAtt` points at, else None."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
    return None


def function_id(synth: Synthesized, spec: fabric.FunctionSpec) -> str:
    found = [
        lid for lid, r in synth.of_type("AWS::Lambda::Function").items() if r["Properties"]["Handler"] == spec.handler
    ]
    assert len(found) == 1, f"expected one function with handler {spec.handler}, found {found}"
    return found[0]


def function_props(synth: Synthesized, spec: fabric.FunctionSpec) -> dict[str, Any]:
    return dict(synth.resources[function_id(synth, spec)]["Properties"])


def role_id_of_function(synth: Synthesized, spec: fabric.FunctionSpec) -> str:
    role = logical_id(function_props(synth, spec)["Role"])
    assert role is not None
    return role


def role_statements(synth: Synthesized, role_id: str) -> list[dict[str, Any]]:
    """Every Allow/Deny statement attached to one role, inline or through AWS::IAM::Policy."""
    statements: list[dict[str, Any]] = []
    role = synth.resources[role_id]["Properties"]
    for policy in role.get("Policies", []):
        statements.extend(policy["PolicyDocument"]["Statement"])
    for policy in synth.of_type("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"].get("Roles", []):
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    assert not role.get("ManagedPolicyArns"), f"{role_id} has managed policies: {role.get('ManagedPolicyArns')}"
    return statements


def grants(statements: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(action, resource) pairs; a resource is its logical id when it references one, else its text."""
    pairs: set[tuple[str, str]] = set()
    for statement in statements:
        assert statement["Effect"] == "Allow", statement
        for action in as_list(statement["Action"]):
            for resource in as_list(statement["Resource"]):
                pairs.add((action, resource_label(resource)))
    return pairs


def resource_label(resource: Any) -> str:
    target = logical_id(resource)
    if target is not None:
        return target
    if isinstance(resource, dict) and "Fn::Join" in resource:
        # An ARN built around a reference (e.g. the SSM parameter ARN): label it by what it references.
        parts = resource["Fn::Join"][1]
        refs = [logical_id(p) for p in parts if logical_id(p) and not str(logical_id(p)).startswith("AWS::")]
        if refs:
            return str(refs[0])
        return "".join(p if isinstance(p, str) else f"<{logical_id(p)}>" for p in parts)
    return str(resource)


def single(synth: Synthesized, cfn_type: str, **properties: Any) -> tuple[str, dict[str, Any]]:
    """The one resource of a type whose properties include the given ones."""
    found = [
        (lid, r["Properties"])
        for lid, r in synth.of_type(cfn_type).items()
        if all(r["Properties"].get(k) == v for k, v in properties.items())
    ]
    assert len(found) == 1, f"expected one {cfn_type} with {properties}, found {[f[0] for f in found]}"
    return found[0]


def table_id(synth: Synthesized, name: str) -> str:
    """The logical id of a fabric table (CDK ids start with the construct path `Tables<name>`)."""
    found = [lid for lid in synth.of_type("AWS::DynamoDB::Table") if lid.startswith(f"Tables{name}")]
    assert len(found) == 1, found
    return found[0]


def topic_id(synth: Synthesized, name: str) -> str:
    found = [lid for lid in synth.of_type("AWS::SNS::Topic") if lid.startswith(f"Topics{name}")]
    assert len(found) == 1, found
    return found[0]


def single_id(synth: Synthesized, cfn_type: str) -> str:
    ids = list(synth.of_type(cfn_type))
    assert len(ids) == 1, ids
    return ids[0]


def fabric_key_id(synth: Synthesized) -> str:
    """The fabric's CMK (alias/bulkhead): tables, topics, queues, logs and buckets."""
    return key_by_alias(synth, "alias/bulkhead")


def key_by_alias(synth: Synthesized, alias: str) -> str:
    found = [
        logical_id(a["Properties"]["TargetKeyId"])
        for a in synth.of_type("AWS::KMS::Alias").values()
        if a["Properties"]["AliasName"] == alias
    ]
    assert len(found) == 1 and found[0] is not None, (alias, found)
    return str(found[0])


def bucket_id(synth: Synthesized, prefix: str) -> str:
    """A fabric bucket by its construct path (`LedgerEvidence`, `Notifications`, `AccessLogs`)."""
    found = [lid for lid in synth.of_type("AWS::S3::Bucket") if lid.startswith(prefix)]
    assert len(found) == 1, (prefix, found)
    return found[0]


def role_of(synth: Synthesized, prefix: str) -> str:
    found = [lid for lid in synth.of_type("AWS::IAM::Role") if lid.startswith(prefix)]
    assert len(found) == 1, (prefix, found)
    return found[0]
