"""Settings for one block of code, put back after it: the CLI and the tests run many commands in one
process, so nothing a command sets may outlive it. Importable without moto."""

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set these environment variables for the block, then restore (or remove) each one."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


@contextmanager
def function_settings(values: Mapping[str, str]) -> Iterator[None]:
    """The functions read these settings for the block: what they cached from the settings before
    (configuration, secrets, AWS clients) is dropped on the way in and on the way out."""
    from functions.common import clients, config, wiring  # noqa: PLC0415 - commands that never reach a fabric skip it

    def forget() -> None:
        clients.reset()
        config.forget_config()
        wiring.forget_secrets()

    with environment(values):
        forget()
        try:
            yield
        finally:
            forget()
