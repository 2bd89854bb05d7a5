"""Which executor carries out which action kind, for one store's platform and the AWS account.

Kinds with no executor here become recorded manual tasks with exact instructions.
"""

from collections.abc import Callable

from functions.containment.models import ActionKind, PlannedAction
from functions.containment.ports import ActionExecutor

ExecutorFactory = Callable[[PlannedAction], ActionExecutor]


class PlatformCatalogue:
    def __init__(self, executors: dict[ActionKind, ExecutorFactory] | None = None) -> None:
        self._executors = executors or {}

    def executor(self, action: PlannedAction) -> ActionExecutor | None:
        factory = self._executors.get(action.kind)
        return factory(action) if factory else None
