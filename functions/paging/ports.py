"""Where pages go."""

from typing import Protocol

from functions.paging.models import Page


class Pager(Protocol):
    def page(self, page: Page) -> None: ...
