"""The local fabric's roles are the template's: infra/local_roles.py projects each role to its actions."""

import pytest

from infra import fabric
from infra.local_roles import project


def _template(extra_statement: dict[str, object] | None = None) -> dict[str, object]:
    resources: dict[str, object] = {}
    for index, spec in enumerate(fabric.FUNCTIONS):
        resources[f"Fn{index}"] = {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Handler": spec.handler, "Role": {"Fn::GetAtt": [f"Role{index}", "Arn"]}},
        }
        resources[f"Role{index}"] = {"Type": "AWS::IAM::Role", "Properties": {}}
        statements = [{"Effect": "Allow", "Action": ["dynamodb:GetItem", "kms:Decrypt"], "Resource": "arn:x"}]
        if index == 0 and extra_statement:
            statements.append(extra_statement)
        resources[f"Policy{index}"] = {
            "Type": "AWS::IAM::Policy",
            "Properties": {"Roles": [{"Ref": f"Role{index}"}], "PolicyDocument": {"Statement": statements}},
        }
    resources["Machine"] = {
        "Type": "AWS::StepFunctions::StateMachine",
        "Properties": {"StateMachineName": "bulkhead-Response", "RoleArn": {"Fn::GetAtt": ["MachineRole", "Arn"]}},
    }
    resources["MachineRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "Policies": [{"PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction"}]}}]
        },
    }
    return {"Resources": resources}


def test_each_function_gets_the_actions_of_its_own_role_and_each_machine_its_own():
    # Given a template where the first function's role also may publish
    extra = {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*", "Condition": {"Bool": {"x": "true"}}}
    # When it is projected
    roles = project(_template(extra))
    # Then each function holds its statements' actions (resources and conditions are the template's to assert)
    first, second = fabric.FUNCTIONS[0].name, fabric.FUNCTIONS[1].name
    assert roles["functions"][first] == ["dynamodb:GetItem", "kms:Decrypt", "sns:Publish"]
    assert roles["functions"][second] == ["dynamodb:GetItem", "kms:Decrypt"]
    assert roles["state_machines"] == {"Response": ["lambda:InvokeFunction"]}
    assert roles["operators"] == {}


def test_a_deny_cannot_be_projected_to_actions_alone():
    with pytest.raises(ValueError, match="Deny"):
        project(_template({"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"}))


def test_a_function_missing_from_the_template_is_an_error():
    template = _template()
    resources = template["Resources"]
    assert isinstance(resources, dict)
    del resources["Fn0"]
    with pytest.raises(ValueError, match=fabric.FUNCTIONS[0].name):
        project(template)
