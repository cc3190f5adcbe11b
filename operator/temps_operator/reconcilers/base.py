"""What every per-kind reconciler shares: serialisation per object, status writing, Events, metrics, and
the choice between the Direct backend and the Temps backend."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .. import metrics
from ..errors import DependencyMissing, SpecError
from ..events import EventRecorder
from ..kube import KubeClient, KubeError, Manifest, ResourceType
from ..models import KINDS
from ..settings import Settings
from ..status import Outcome, Verdict, conditions_for, event_type, parse_conditions, ready_changed, status_patch
from ..temps.connection import Connections
from ..temps.sync.context import SyncContext

log = logging.getLogger(__name__)

DEFAULT_RETRY_DELAY = 10.0
STATUS_FIELDS = {kind.kind: {f.alias or name for name, f in kind.status.model_fields.items()} for kind in KINDS}


class KeyedLocks:
    """One lock per object, so that a resync and a dependency-triggered reconcile never interleave."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[tuple[str, str, str], threading.Lock] = {}

    @contextlib.contextmanager
    def hold(self, kind: str, namespace: str, name: str, timeout: float = 120.0) -> Iterator[None]:
        """Hold the object's lock; a reconcile stuck longer than ``timeout`` makes this one retry later."""
        with self._guard:
            lock = self._locks.setdefault((kind, namespace, name), threading.Lock())
        if not lock.acquire(timeout=timeout):
            raise TransientError(f"{kind} {namespace}/{name} is still being reconciled")
        try:
            yield
        finally:
            lock.release()


class TransientError(Exception):
    """Raised after status was written, so that the caller retries after ``delay`` seconds."""

    def __init__(self, message: str, delay: float = DEFAULT_RETRY_DELAY) -> None:
        super().__init__(message)
        self.delay = delay


@dataclass
class Reconciler:
    kube: KubeClient
    settings: Settings
    record: EventRecorder
    locks: KeyedLocks
    connections: Connections
    rtype: ResourceType = field(init=False)

    def observe(self, body: Manifest) -> Outcome:
        """Do the kind's work for a live object and say what came of it. Overridden per kind."""
        raise NotImplementedError

    def reconcile(self, namespace: str, name: str) -> Verdict | None:
        """Level-triggered: read the object fresh, act, write status only if it changed."""
        with self.locks.hold(self.rtype.kind, namespace, name):
            body = self.kube.get(self.rtype, namespace, name)
            if body is None or body["metadata"].get("deletionTimestamp"):
                return None
            started = time.monotonic()
            outcome = self.observe_safely(body, self.observe)
            self.write_status(body, outcome)
            metrics.observe_reconcile(self.rtype.kind, outcome.verdict, time.monotonic() - started)
            if outcome.verdict.phase == "failed":
                raise TransientError(outcome.verdict.message, outcome.retry_after or DEFAULT_RETRY_DELAY)
            return outcome.verdict

    def observe_safely(self, body: Manifest, work: Any) -> Outcome:
        """Run ``work(body)``, turning the errors a user or an outage causes into a verdict."""
        from ..temps.errors import BadRequest, TempsError

        meta = body["metadata"]
        try:
            outcome: Outcome = work(body)
            return outcome
        except SpecError as exc:
            return Outcome(Verdict("stalled", exc.reason, exc.message))
        except DependencyMissing as exc:
            return Outcome(Verdict("waiting", exc.reason, exc.message))
        except KubeError as exc:
            log.warning("Kubernetes API error on %s/%s: %s", meta.get("namespace"), meta["name"], exc)
            return Outcome(Verdict("failed", "KubernetesAPIError", f"Kubernetes API error {exc.status}: {exc.message}"))
        except BadRequest as exc:
            return Outcome(Verdict("stalled", exc.reason, f"Temps refused {exc.operation}: {exc.title} {exc.detail}"))
        except TempsError as exc:
            log.warning("Temps API error on %s/%s: %s", meta.get("namespace"), meta["name"], exc)
            return Outcome(Verdict("failed", exc.reason, str(exc)), retry_after=getattr(exc, "retry_after", None))
        except Exception as exc:
            # Only the type: messages of unexpected errors (e.g. validation of a Temps answer) may quote values.
            log.error("Unexpected %s while reconciling %s/%s", type(exc).__name__, meta.get("namespace"), meta["name"])
            log.debug("Details", exc_info=True)
            return Outcome(Verdict("failed", "InternalError", f"unexpected {type(exc).__name__}; see the operator log"))

    def context(self, connection: str, body: Manifest) -> SyncContext:
        """What a Temps-mode sync of ``body`` needs, through the named TempsConnection."""
        return SyncContext(self.kube, self.connections.client(connection), self.connections.runner, self.record, body)

    def delete_remote(self, ctx: SyncContext) -> None:
        """Delete the Temps twin. Overridden by the kinds that have one."""

    def connection_of(self, body: Manifest) -> str | None:
        """The TempsConnection the resource's spec chooses; None means Direct mode. Overridden per kind."""
        return None

    def finalize(self, namespace: str, name: str) -> None:
        """On deletion: remove the Temps twin unless the policy is Orphan. A failure is reported and retried,
        never dropped. Direct-mode children need nothing here: garbage collection follows ownerReferences."""
        with self.locks.hold(self.rtype.kind, namespace, name):
            body = self.kube.get(self.rtype, namespace, name)
            if body is None:
                return
            status, spec = body.get("status") or {}, body.get("spec") or {}
            if spec.get("deletionPolicy", "Delete") == "Orphan":
                return
            # From status when a sync got that far; else from the spec, for a twin created just before a crash.
            connection = status.get("connection") or self.connection_of(body)
            if connection is None:
                return  # Direct mode

            def delete(body: Manifest) -> Outcome:
                self.delete_remote(self.context(connection, body))
                return Outcome(Verdict("ready", "Deleted", "the Temps object is deleted"))

            outcome = self.observe_safely(body, delete)
            if outcome.verdict.phase != "ready":
                failed = Verdict("failed", "DeletionFailed", f"deleting the Temps object: {outcome.verdict.message}")
                self.write_status(body, Outcome(failed))
                raise TransientError(failed.message, outcome.retry_after or DEFAULT_RETRY_DELAY)
            self.record(body, "Normal", "Deleted", f"deleted the Temps twin of {self.rtype.kind} {name}")

    def write_status(self, body: Manifest, outcome: Outcome) -> None:
        meta = body["metadata"]
        current = body.get("status") or {}
        previous = parse_conditions(current.get("conditions"))
        conditions = conditions_for(outcome.verdict, previous, meta.get("generation"))
        complete = outcome.verdict.phase in ("ready", "progressing")
        # The generation counts as observed once acted on in full, or judged invalid: a reconcile cut short by
        # an outage or a missing dependency leaves it behind, so the next one still sees the spec change.
        observed = meta.get("generation") if complete or outcome.verdict.phase == "stalled" \
            else current.get("observedGeneration")
        desired = {
            # A reconcile that stopped short keeps what earlier ones learnt (Temps ids, managed keys).
            **({} if complete else {k: v for k, v in current.items()
                                    if k not in ("conditions", "observedGeneration")}),
            "observedGeneration": observed,
            "conditions": [c.to_kube() for c in conditions],
            **outcome.fields,
        }
        desired = {k: v for k, v in desired.items() if v is not None}
        unknown = set(desired) - STATUS_FIELDS[self.rtype.kind]
        if unknown:  # the API server would prune them silently: a bug, not something to write
            raise TypeError(f"{self.rtype.kind} status has no fields {sorted(unknown)}")
        patch = status_patch(current, desired)
        if patch is None:
            return
        self.kube.patch_status(self.rtype, meta.get("namespace", ""), meta["name"], patch)
        if ready_changed(previous, conditions):
            verdict = outcome.verdict
            self.record(body, event_type(verdict), verdict.reason, verdict.message)
