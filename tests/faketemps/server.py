"""An aiohttp server on a free 127.0.0.1 port, in a thread with its own event loop.

A thread rather than the test's loop: synchronous tests and a separate operator process both call it while the test
code blocks, and it keeps answering while they do.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

START_TIMEOUT = 10.0
# Answers still sleeping in an injected latency are abandoned after this long when the server stops.
SHUTDOWN_TIMEOUT = 1.0


class BackgroundServer:
    """Serves every method and path with one handler until stopped."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1") -> None:
        self._handler = handler
        self._host = host
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> int:
        """Bind, start serving, and return the port once the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError("server already running")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self._host, 0))
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handler)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(runner.setup())
                loop.run_until_complete(web.SockSite(runner, sock).start())
            except BaseException as exc:  # noqa: BLE001 - handed to the starting thread, which raises it
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(runner.cleanup())
            leftovers = asyncio.all_tasks(loop)  # answers still sleeping in an injected latency
            for task in leftovers:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            loop.close()

        thread = threading.Thread(target=serve, name=f"fake-temps-{sock.getsockname()[1]}", daemon=True)
        thread.start()
        if not ready.wait(START_TIMEOUT):
            raise RuntimeError("fake Temps server did not start")
        if failure:
            thread.join()
            sock.close()
            raise RuntimeError("fake Temps server failed to start") from failure[0]
        self._loop, self._runner, self._thread = loop, runner, thread
        self.port = int(sock.getsockname()[1])
        return self.port

    def stop(self) -> None:
        """Stop serving and wait for the thread; a no-op when not running."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(START_TIMEOUT + SHUTDOWN_TIMEOUT + 5)
        self._loop = self._runner = self._thread = None
        self.port = None
