"""Which executor carries out which action kind.

Kinds with no executor here become recorded manual tasks with exact instructions.
"""

from functions.containment.models import PlannedAction
from functions.containment.ports import ActionExecutor


class PlatformCatalogue:
    def __init__(self, executors: dict[str, ActionExecutor] | None = None) -> None:
        self._executors = executors or {}

    def executor(self, action: PlannedAction) -> ActionExecutor | None:
        return self._executors.get(action.kind.value)
