"""Every function is built the same way, and its environment carries every setting its code reads.

The settings a function reads are found in its code, not in its spec: the AST is walked from the
handler through every `functions.*` module and definition it reaches (tests/infra/settings_walk.py),
and each `Env.<NAME>` reference names one environment variable the deployed function must have.
"""

from typing import Any

import pytest

from functions.common.bus import ROUTES
from functions.common.settings import Env
from infra import fabric
from infra.constructs.functions import POWERTOOLS_ENVIRONMENT, POWERTOOLS_LAYER_NAME
from tests.infra.conftest import Synthesized
from tests.infra.settings_walk import settings_read_from
from tests.infra.template_reading import fabric_key_id, function_props, logical_id, single_id, table_id, topic_id

# Set by the Lambda runtime (and reserved there), so never in a function's configuration.
RUNTIME_PROVIDED = {Env.REGION}


def settings_read_by(spec: fabric.FunctionSpec) -> frozenset[Env]:
    module, function = spec.handler.rsplit(".", 1)
    return settings_read_from(module, function)


def variables(synth: Synthesized, spec: fabric.FunctionSpec) -> dict[str, Any]:
    return dict(function_props(synth, spec)["Environment"]["Variables"])


def test_the_code_walk_finds_settings_through_imports():
    # The ledger table is read in functions.ledger.wiring, which step handlers call.
    assert Env.LEDGER_TABLE in settings_read_by(fabric.function("CloseResponse"))
    # The configuration parameter is read in functions.common.wiring.firm_config.
    assert Env.CONFIG_PARAMETER in settings_read_by(fabric.function("ReceiveWebhook"))


@pytest.mark.parametrize("spec", fabric.FUNCTIONS, ids=lambda s: s.name)
def test_environment_carries_every_setting_the_code_reads(synthesized: Synthesized, spec: fabric.FunctionSpec):
    # Given the settings the handler's code reads
    needed = settings_read_by(spec) - RUNTIME_PROVIDED
    # Then the deployed function has each one, and so does its spec (which the local runtime uses)
    missing = {s.value for s in needed} - set(variables(synthesized, spec))
    assert not missing, f"{spec.name} reads {sorted(missing)} but its environment lacks them"
    assert needed <= set(spec.settings), f"{spec.name}: add {sorted(needed - set(spec.settings))} to its spec"


@pytest.mark.parametrize("spec", fabric.FUNCTIONS, ids=lambda s: s.name)
def test_settings_resolve_to_the_fabric_resources(synthesized: Synthesized, spec: fabric.FunctionSpec):
    env = variables(synthesized, spec)
    expected: dict[str, Any] = {
        Env.CONFIG_PARAMETER.value: single_id(synthesized, "AWS::SSM::Parameter"),
        Env.EVENT_BUS.value: single_id(synthesized, "AWS::Events::EventBus"),
        Env.ONCALL_TOPIC.value: topic_id(synthesized, "OnCall"),
    }
    expected |= {t.setting.value: table_id(synthesized, t.name) for t in fabric.TABLES if t.setting}
    for name, value in env.items():
        if name in expected:
            assert logical_id(value) == expected[name], f"{spec.name}: {name} = {value}"
    # Nothing beyond its declared settings and the Powertools defaults.
    assert set(env) == {s.value for s in spec.settings if s not in RUNTIME_PROVIDED} | set(POWERTOOLS_ENVIRONMENT)


@pytest.mark.parametrize("spec", fabric.FUNCTIONS, ids=lambda s: s.name)
def test_every_function_is_built_by_the_factory(synthesized: Synthesized, spec: fabric.FunctionSpec):
    props = function_props(synthesized, spec)
    assert props["Runtime"] == "python3.13"
    assert props["Architectures"] == ["arm64"]
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert props["LoggingConfig"]["LogFormat"] == "JSON"
    assert props["Timeout"] == spec.timeout_seconds
    assert props["MemorySize"] == spec.memory_mb
    for name, value in POWERTOOLS_ENVIRONMENT.items():
        assert props["Environment"]["Variables"][name] == value
    assert POWERTOOLS_ENVIRONMENT["POWERTOOLS_METRICS_NAMESPACE"] == "Bulkhead"
    log_group = synthesized.resources[str(logical_id(props["LoggingConfig"]["LogGroup"]))]["Properties"]
    assert log_group["RetentionInDays"] > 0
    assert logical_id(log_group["KmsKeyId"]) == fabric_key_id(synthesized)


@pytest.mark.parametrize("spec", fabric.FUNCTIONS, ids=lambda s: s.name)
def test_powertools_layer_comes_first_so_our_pinned_dependencies_win(
    synthesized: Synthesized, spec: fabric.FunctionSpec
):
    layers = function_props(synthesized, spec)["Layers"]
    assert len(layers) == 2
    assert POWERTOOLS_LAYER_NAME in str(layers[0]) and ":017000801446:layer:" in str(layers[0])
    assert logical_id(layers[1]) == single_id(synthesized, "AWS::Lambda::LayerVersion")


def test_async_targets_retry_then_dead_letter(synthesized: Synthesized):
    queue = single_id(synthesized, "AWS::SQS::Queue")
    for route in ROUTES:
        if route.target_kind != "function":
            continue
        props = function_props(synthesized, fabric.function(route.target))
        assert logical_id(props["DeadLetterConfig"]["TargetArn"]) == queue
