"""Prometheus collectors. Labels are kinds, results and reasons: never names, values or tokens."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from .status import Verdict

RECONCILES = Counter(
    "temps_operator_reconciles", "Reconciles by kind and phase (ready, progressing, waiting, stalled, failed).",
    ["kind", "phase"],
)
RECONCILE_ERRORS = Counter(
    "temps_operator_reconcile_errors", "Reconciles that ended in a failure or a stall, by kind and reason.",
    ["kind", "reason"],
)
RECONCILE_DURATION = Histogram(
    "temps_operator_reconcile_duration_seconds", "Wall time of one reconcile, by kind.", ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
APPLIES = Counter(
    "temps_operator_applies", "Server-side applies of child objects, by object kind and action.",
    ["kind", "action"],
)


def observe_reconcile(kind: str, verdict: Verdict, seconds: float) -> None:
    RECONCILES.labels(kind, verdict.phase).inc()
    RECONCILE_DURATION.labels(kind).observe(seconds)
    if verdict.phase in ("failed", "stalled"):
        RECONCILE_ERRORS.labels(kind, verdict.reason).inc()
TEMPS_API_CALLS = Counter(
    "temps_api_requests", "Calls to the Temps API by operation (method and path template) and HTTP status "
    "(or timeout, connection-error).", ["operation", "status"],
)
TEMPS_API_DURATION = Histogram(
    "temps_api_request_duration_seconds", "Duration of Temps API calls by operation.", ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
