"""The firm configuration as one SSM String parameter, validated at synth time.

The functions read it through `functions.common.config` (named by BULKHEAD_CONFIG_PARAMETER); the
same model validates it here, so a wrong field fails `cdk synth`, naming the field, instead of
the first webhook. Secrets never live in it, only their Secrets Manager ids.
"""

from pathlib import Path

from aws_cdk import aws_ssm as ssm
from constructs import Construct

from functions.common.config import FirmConfig, parse_config

# A Standard parameter holds 4 KB; above that the parameter must be Advanced (8 KB, charged).
_STANDARD_LIMIT = 4096


class ConfigParameter(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, parameter_name: str, config_file: Path) -> None:
        super().__init__(scope, construct_id)
        text = config_file.read_text()
        self.config: FirmConfig = parse_config(text, origin=str(config_file))
        tier = ssm.ParameterTier.STANDARD if len(text.encode()) <= _STANDARD_LIMIT else ssm.ParameterTier.ADVANCED
        self.parameter = ssm.StringParameter(
            self,
            "Parameter",
            parameter_name=parameter_name,
            string_value=text,
            tier=tier,
            description="Bulkhead firm configuration: stores, regulators, response policy",
        )
