"""People of the local configuration's roster, as the CLI's identity rule records them."""

from functools import cache

from bulkhead.local.runtime import DEFAULT_CONFIG
from functions.common.config import FirmConfig, parse_config
from functions.common.people import Acted, roster_person


@cache
def local_firm() -> FirmConfig:
    return parse_config(DEFAULT_CONFIG.read_text(), origin=str(DEFAULT_CONFIG))


def person(named: str) -> Acted:
    """A roster person (id or name) of config/bulkhead.local.json."""
    return roster_person(local_firm(), named)
