"""The on-call pager double: it records each page instead of sending it."""

from functions.paging.models import Page


class RecordingPager:
    def __init__(self) -> None:
        self.pages: list[Page] = []

    def page(self, page: Page) -> None:
        self.pages.append(page)
