"""What the fake saw: every call it answered and every breach of the contract, readable from any thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Call:
    """One request and how the fake answered it.

    ``path`` is the part after ``/api``; ``template`` is the OpenAPI path template it matched (the page's template
    for page-only routes, the raw path when nothing matched). ``status`` is 0 when an injected fault dropped the
    connection, and ``fault`` names the injected fault that answered (``"error"``, ``"rate_limit"``, ``"drop"``).
    """

    method: str
    path: str
    template: str
    query: dict[str, str]
    status: int
    request_json: Any
    response_json: Any
    documented: bool
    fault: str | None
    time: float

    @property
    def mutating(self) -> bool:
        """A write the fake actually processed: a write method not answered by an injected fault."""
        return self.method in MUTATING_METHODS and self.fault is None


class Journal:
    """Calls and violations behind one lock: the server thread appends, test threads read snapshots."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._violations: list[str] = []
        self._epoch = 0
        self._in_flight = 0
        self._max_in_flight = 0

    def entered(self, epoch: int) -> None:
        with self._lock:
            if epoch == self._epoch:
                self._in_flight += 1
                self._max_in_flight = max(self._max_in_flight, self._in_flight)

    def left(self, epoch: int) -> None:
        """Requests from before the last clear belong to a finished test: they are not counted."""
        with self._lock:
            if epoch == self._epoch:
                self._in_flight -= 1

    @property
    def max_in_flight(self) -> int:
        """The most requests the fake was answering at once since the last clear (client concurrency)."""
        with self._lock:
            return self._max_in_flight

    @property
    def epoch(self) -> int:
        """Counts clears, so a request that was in flight across one can tell and leave no trace."""
        with self._lock:
            return self._epoch

    def record(self, call: Call, epoch: int | None = None) -> None:
        with self._lock:
            if epoch is None or epoch == self._epoch:
                self._calls.append(call)

    def violation(self, text: str, epoch: int | None = None) -> None:
        with self._lock:
            if epoch is None or epoch == self._epoch:
                self._violations.append(text)

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    @property
    def violations(self) -> list[str]:
        with self._lock:
            return list(self._violations)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
            self._violations.clear()
            self._epoch += 1
            self._in_flight = self._max_in_flight = 0
