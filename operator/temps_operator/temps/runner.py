"""Runs the async Temps client on the operator's event loop, for reconcilers that run in worker threads.

kopf runs the (synchronous) reconcilers in a thread pool; httpx's async client and its connection pool
belong to one event loop, the operator's. The runner hands each coroutine to that loop and waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopRunner:
    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self.loop is None:
            coro.close()
            raise RuntimeError("the runner is not bound to the operator's event loop yet")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def retire(self, coro: Coroutine[Any, Any, Any], delay: float) -> None:
        """Run ``coro`` on the loop after ``delay`` seconds, without waiting (closing a replaced client)."""
        if self.loop is None:
            coro.close()
            return
        loop = self.loop
        loop.call_soon_threadsafe(lambda: loop.call_later(delay, lambda: loop.create_task(coro)))
