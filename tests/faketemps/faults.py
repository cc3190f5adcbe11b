"""Injected failures: server errors, rate limits, slow answers and dropped connections.

Tests change them while the server runs, so every read and write holds a lock. The decision for a request is taken
before it reaches the state, so a faulted request never changes anything.
"""

from __future__ import annotations

import enum
import random
import threading
from dataclasses import dataclass, replace
from typing import Literal

FaultKind = Literal["error", "rate_limit", "drop"]


class _Keep(enum.Enum):
    """Marks an argument of :meth:`Faults.set` that was not given (``None`` is a real value for ``only``)."""

    KEEP = 0


KEEP = _Keep.KEEP


@dataclass(frozen=True)
class FaultSettings:
    """The current fault configuration; the defaults inject nothing."""

    error_rate: float = 0.0
    error_status: int = 503
    rate_limit_every: int = 0
    retry_after: float = 1.0
    latency: float = 0.0
    drop_rate: float = 0.0
    hold_after: float = 0.0
    only: tuple[str, str] | None = None


@dataclass(frozen=True)
class FaultDecision:
    """What to do to one request: wait ``latency`` seconds, then answer with ``kind`` (or normally if None).

    ``hold_after`` applies to a request answered normally: it is carried out, then its answer is held back
    that long, as when a server acts and the connection dies (or the client crashes) before the answer lands.
    """

    latency: float = 0.0
    hold_after: float = 0.0
    kind: FaultKind | None = None
    status: int = 0
    retry_after: float | None = None


def _normal_only(only: tuple[str, str] | None) -> tuple[str, str] | None:
    return None if only is None else (only[0].upper(), only[1])


class Faults:
    """Thread-safe fault settings and the per-request decision.

    ``set`` changes only the settings it is given and keeps the rest; ``clear`` restores the defaults. With a
    ``seed`` the random draws (errors, drops) repeat exactly for the same sequence of requests.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._settings = FaultSettings()
        self._rng = random.Random()
        self._counted = 0

    def set(
        self,
        *,
        error_rate: float | None = None,
        error_status: int | None = None,
        seed: int | None = None,
        rate_limit_every: int | None = None,
        retry_after: float | None = None,
        latency: float | None = None,
        drop_rate: float | None = None,
        hold_after: float | None = None,
        only: tuple[str, str] | _Keep | None = KEEP,
    ) -> None:
        """Change the given settings, keep the others.

        ``only=(method, template)`` restricts every fault to that call; ``only=None`` lifts the restriction.
        ``rate_limit_every=N`` answers every Nth request the filter lets through with 429 and ``Retry-After``
        (``retry_after`` rounded up to whole seconds, as the header takes).
        """
        for name, rate in (("error_rate", error_rate), ("drop_rate", drop_rate)):
            if rate is not None and not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {rate}")
        if error_status is not None and not 400 <= error_status <= 599:
            raise ValueError(f"error_status must be a 4xx or 5xx status, not {error_status}")
        if rate_limit_every is not None and rate_limit_every < 0:
            raise ValueError("rate_limit_every must be 0 (off) or positive")
        for name, seconds in (("latency", latency), ("retry_after", retry_after), ("hold_after", hold_after)):
            if seconds is not None and seconds < 0:
                raise ValueError(f"{name} must not be negative")
        if only is not None and only is not KEEP and (not isinstance(only, tuple) or len(only) != 2):
            raise ValueError("only must be a (method, path template) pair")
        with self._lock:
            current = self._settings
            self._settings = replace(
                current,
                error_rate=current.error_rate if error_rate is None else error_rate,
                error_status=current.error_status if error_status is None else error_status,
                rate_limit_every=current.rate_limit_every if rate_limit_every is None else rate_limit_every,
                retry_after=current.retry_after if retry_after is None else retry_after,
                latency=current.latency if latency is None else latency,
                drop_rate=current.drop_rate if drop_rate is None else drop_rate,
                hold_after=current.hold_after if hold_after is None else hold_after,
                only=current.only if isinstance(only, _Keep) else _normal_only(only),
            )
            if seed is not None:
                self._rng = random.Random(seed)
            if rate_limit_every is not None:
                self._counted = 0

    def clear(self) -> None:
        """Back to no faults, with a fresh random generator and request count."""
        with self._lock:
            self._settings = FaultSettings()
            self._rng = random.Random()
            self._counted = 0

    @property
    def settings(self) -> FaultSettings:
        with self._lock:
            return self._settings

    def decide(self, method: str, template: str) -> FaultDecision:
        """Draw the fault for one request to ``method template``; requests outside ``only`` are never faulted."""
        with self._lock:
            s = self._settings
            if s.only is not None and s.only != (method.upper(), template):
                return FaultDecision()
            self._counted += 1
            # Draw only for the faults that are on, so a seeded sequence depends on nothing else.
            if s.drop_rate > 0 and self._rng.random() < s.drop_rate:
                return FaultDecision(latency=s.latency, kind="drop")
            if s.rate_limit_every > 0 and self._counted % s.rate_limit_every == 0:
                return FaultDecision(latency=s.latency, kind="rate_limit", status=429, retry_after=s.retry_after)
            if s.error_rate > 0 and self._rng.random() < s.error_rate:
                return FaultDecision(latency=s.latency, kind="error", status=s.error_status)
            return FaultDecision(latency=s.latency, hold_after=s.hold_after)
