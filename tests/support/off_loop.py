"""Calling a Lambda handler in-process from a test, as Lambda calls it: on a thread with no
running event loop.

The batch runner uses Powertools' async batch processor, which calls asyncio.run(); Lambda's
thread has no loop, but a pytest worker that ran a Playwright (sync API) test before keeps one
running in its main thread for the rest of the session.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


def off_loop(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(function, *args, **kwargs).result()
