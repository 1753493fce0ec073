"""Holding the checkout's status polls, so that the processing screen lasts as long as a test
needs to look at it, however slow the machine: on the test stage a payment is pending for about a
second, and a check that races that second fails once in a while on a loaded CI machine."""

from __future__ import annotations

import contextlib
import re

from playwright.sync_api import Error, Page, Route

# GET /api/v1/payments/{id}/public?key=...: the poll, not its /public/signature sibling.
STATUS_POLL = re.compile(r".*/api/v1/payments/[^/?]+/public\?.*")


class HeldPolls:
    """Every status poll waits, unanswered, until `release()`; page.route covers the iframe."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.held: list[Route] = []
        page.route(STATUS_POLL, self._hold)

    def _hold(self, route: Route) -> None:
        self.held.append(route)

    def release(self) -> None:
        self.page.unroute(STATUS_POLL)
        for route in self.held:
            # A poll the checkout gave up on (its 15 s request timeout) cannot be continued.
            with contextlib.suppress(Error):
                route.continue_()
        self.held.clear()
