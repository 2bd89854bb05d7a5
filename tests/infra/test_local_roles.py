"""The roles the local fabric enforces (bulkhead/local/roles.json) are the synthesized template's.

The local fabric runs with config/bulkhead.local.json, whose stores name customer-data buckets
(containment may block their public access), so the template is synthesized with that config here.
After a change to a grant: `python -m infra.local_roles cdk.out/Bulkhead.template.json`
(`make synth` with `-c configFile=config/bulkhead.local.json`).
"""

import json
from pathlib import Path

import pytest

from infra.local_roles import LOCAL_ROLES, project
from tests.infra.conftest import ROOT

LOCAL_CONFIG = ROOT / "config" / "bulkhead.local.json"


@pytest.fixture(scope="module")
def local_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from infra.app import build_app  # imported late: jsii starts its Node process on import

    outdir: Path = tmp_path_factory.mktemp("cdk.out.local")
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    context["configFile"] = str(LOCAL_CONFIG)
    app, stack = build_app(context, outdir=str(outdir))
    app.synth()
    return json.loads((outdir / f"{stack.artifact_id}.template.json").read_text())  # type: ignore[no-any-return]


def test_the_committed_local_roles_are_the_projection_of_the_template(local_template: dict[str, object]):
    # Given the template synthesized with the local configuration; When it is projected
    projected = project(local_template)
    # Then it is exactly what the local fabric provisions (regenerate with python -m infra.local_roles)
    assert json.loads(LOCAL_ROLES.read_text()) == projected


def test_no_local_role_holds_a_wildcard_action():
    roles = json.loads(LOCAL_ROLES.read_text())
    for kind in ("functions", "state_machines"):
        for name, actions in roles[kind].items():
            assert all("*" not in action for action in actions), (name, actions)
