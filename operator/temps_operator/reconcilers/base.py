"""What every per-kind reconciler shares: serialisation per object, status writing, Events, metrics."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .. import metrics
from ..errors import DependencyMissing, SpecError
from ..kube import KubeClient, KubeError, Manifest, ResourceType
from ..settings import Settings
from ..status import Verdict, conditions_for, event_type, parse_conditions, ready_changed, status_patch

log = logging.getLogger(__name__)


class EventRecorder(Protocol):
    """Posts a Kubernetes Event about an object. Messages are the operator's own, never secret values."""

    def __call__(self, body: Mapping[str, Any], type_: str, reason: str, message: str) -> None: ...


class KeyedLocks:
    """One lock per object, so that a resync and a dependency-triggered reconcile never interleave."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[tuple[str, str, str], threading.Lock] = {}

    def __call__(self, kind: str, namespace: str, name: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault((kind, namespace, name), threading.Lock())


@dataclass
class Outcome:
    """A verdict plus the kind-specific status fields that go with it."""

    verdict: Verdict
    fields: dict[str, Any] = field(default_factory=dict)


class TransientError(Exception):
    """Raised after status was written, so that the caller retries with backoff."""


@dataclass
class Reconciler:
    kube: KubeClient
    settings: Settings
    record: EventRecorder
    locks: KeyedLocks
    rtype: ResourceType = field(init=False)

    def observe(self, body: Manifest) -> Outcome:
        """Do the kind's work for a live object and say what came of it. Overridden per kind."""
        raise NotImplementedError

    def reconcile(self, namespace: str, name: str) -> Verdict | None:
        """Level-triggered: read the object fresh, act, write status only if it changed."""
        with self.locks(self.rtype.kind, namespace, name):
            body = self.kube.get(self.rtype, namespace, name)
            if body is None or body["metadata"].get("deletionTimestamp"):
                return None
            started = time.monotonic()
            outcome = self._observe_safely(body)
            self.write_status(body, outcome)
            metrics.observe_reconcile(self.rtype.kind, outcome.verdict, time.monotonic() - started)
            if outcome.verdict.phase == "failed":
                raise TransientError(outcome.verdict.message)
            return outcome.verdict

    def _observe_safely(self, body: Manifest) -> Outcome:
        try:
            return self.observe(body)
        except SpecError as exc:
            return Outcome(Verdict("stalled", exc.reason, exc.message))
        except DependencyMissing as exc:
            return Outcome(Verdict("waiting", exc.reason, exc.message))
        except KubeError as exc:
            log.warning("Kubernetes API error while reconciling %s/%s: %s",
                        body["metadata"]["namespace"], body["metadata"]["name"], exc)
            return Outcome(Verdict("failed", "KubernetesAPIError", f"Kubernetes API error {exc.status}: {exc.message}"))

    def write_status(self, body: Manifest, outcome: Outcome) -> None:
        meta = body["metadata"]
        current = body.get("status") or {}
        previous = parse_conditions(current.get("conditions"))
        conditions = conditions_for(outcome.verdict, previous, meta.get("generation"))
        desired = {
            "observedGeneration": meta.get("generation"),
            "conditions": [c.to_kube() for c in conditions],
            **{k: v for k, v in outcome.fields.items() if v is not None},
        }
        patch = status_patch(current, desired)
        if patch is None:
            return
        self.kube.patch_status(self.rtype, meta["namespace"], meta["name"], patch)
        if ready_changed(previous, conditions):
            verdict = outcome.verdict
            self.record(body, event_type(verdict), verdict.reason, verdict.message)


Trigger = Callable[[str, str], object]
