"""One copy of botocore's service models per process, however many sessions the process opens.

botocore gives every new session its own loader, and a loader reads each service's model (a JSON
file of up to a few megabytes) from disk the first time a client of that service is made. Lambda
opens one session per container, so it reads each model once. The local fabric and the commands
run against it open many: moto's mock, the per-thread identities and every command that connects
to the service start a fresh session, and each re-read the same files. The models are read-only
data that depend only on the data path, so the process shares one loader per data path.
"""

import threading
from typing import Any

import botocore.session
from botocore.loaders import create_loader

_LOADERS: dict[str | None, Any] = {}
_LOCK = threading.Lock()


def _shared_loader(search_path_string: str | None = None) -> Any:
    with _LOCK:
        if search_path_string not in _LOADERS:
            _LOADERS[search_path_string] = create_loader(search_path_string)
        return _LOADERS[search_path_string]


def share_service_models() -> None:
    """From now on, every botocore session of this process reads models through one loader."""
    botocore.session.create_loader = _shared_loader
