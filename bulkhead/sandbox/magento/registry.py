"""The registry of sandbox Magento REST routes.

Add a route by dropping a module into `bulkhead/sandbox/magento/routes/` with a function decorated
`@route("POST", "/V1/bulkhead/admin-users/{username}/lock")`; every module there is loaded on
start. Paths are relative to `/rest` (with or without a store code such as `/rest/default`). The
function receives the store's state, the request and the path parameters, and returns a
`Response`; raise `NotFound` or `BadRequest` for Magento's error shapes.
"""

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bulkhead.sandbox.http import Request, Response
from bulkhead.sandbox.magento import routes
from bulkhead.sandbox.state import StoreState

Handler = Callable[[StoreState, Request, dict[str, str]], Response]


class MagentoError(Exception):
    status = 400

    def __init__(self, message: str, parameters: dict[str, Any] | list[Any] | None = None) -> None:
        super().__init__(message)
        self.body: dict[str, Any] = {"message": message, **({"parameters": parameters} if parameters else {})}


class NotFound(MagentoError):
    status = 404


class BadRequest(MagentoError):
    status = 400


def no_such_entity(field: str, value: Any) -> NotFound:
    return NotFound("No such entity with %fieldName = %fieldValue", {"fieldName": field, "fieldValue": value})


@dataclass(frozen=True)
class RegisteredRoute:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: Handler
    mutating: bool


ROUTES: list[RegisteredRoute] = []


def route(method: str, template: str) -> Callable[[Handler], Handler]:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)

    def register(handler: Handler) -> Handler:
        if not any(r.method == method and r.template == template for r in ROUTES):
            ROUTES.append(RegisteredRoute(method, template, re.compile(f"^{regex}$"), handler, method != "GET"))
        return handler

    return register


def match(method: str, path: str) -> tuple[RegisteredRoute, dict[str, str]] | None:
    # Literal segments win over parameters: /V1/customers/search before /V1/customers/{customerId}.
    for registered in sorted(ROUTES, key=lambda r: r.template.count("{")):
        if registered.method == method and (found := registered.pattern.match(path)):
            return registered, found.groupdict()
    return None


def load_routes() -> list[RegisteredRoute]:
    for module in pkgutil.iter_modules(routes.__path__):
        importlib.import_module(f"{routes.__name__}.{module.name}")
    return ROUTES
