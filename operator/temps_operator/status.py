"""Conditions and kstatus: one place that turns a reconciler's verdict into the status GitOps tools read.

Ready is the summary condition. Reconciling and Stalled are kstatus' "abnormal-true" conditions: they
are present (True) only while they hold, and removed otherwise. ``lastTransitionTime`` moves only when a
condition's status changes, never for a new reason or message alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .models.common import Condition

READY = "Ready"
RECONCILING = "Reconciling"
STALLED = "Stalled"

Phase = Literal["ready", "progressing", "waiting", "stalled", "failed"]


@dataclass(frozen=True)
class Verdict:
    """What a reconcile concluded about one resource.

    - ready: everything is in place and available.
    - progressing: changes are applied and rolling out (Reconciling=True).
    - waiting: blocked on something that will appear by itself, such as a project (Reconciling=True).
    - stalled: cannot progress until the user changes the spec (Stalled=True).
    - failed: a transient error; retried with backoff (Reconciling=True).
    """

    phase: Phase
    reason: str
    message: str

    @property
    def ready(self) -> bool:
        return self.phase == "ready"


@dataclass
class Outcome:
    """A verdict plus the kind-specific status fields that go with it."""

    verdict: Verdict
    fields: dict[str, Any] = field(default_factory=dict)
    retry_after: float | None = None


def now_rfc3339() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_conditions(raw: Sequence[Mapping[str, Any]] | None) -> list[Condition]:
    """Conditions from a live object's status, skipping entries the operator did not write."""
    conditions = []
    for item in raw or ():
        try:
            conditions.append(Condition.model_validate(item))
        except ValueError:
            continue
    return conditions


def set_condition(conditions: Sequence[Condition], new: Condition) -> list[Condition]:
    """Insert or replace ``new`` by type, keeping the old transition time when the status did not change."""
    out: list[Condition] = []
    placed = False
    for old in conditions:
        if old.type != new.type:
            out.append(old)
            continue
        placed = True
        if old.status == new.status:
            new = new.model_copy(update={"last_transition_time": old.last_transition_time})
        out.append(new)
    if not placed:
        out.append(new)
    return out


def remove_condition(conditions: Sequence[Condition], type_: str) -> list[Condition]:
    return [c for c in conditions if c.type != type_]


def conditions_for(
    verdict: Verdict, previous: Sequence[Condition], generation: int | None, now: str | None = None,
) -> list[Condition]:
    """The full condition set for a verdict, given the conditions the object had."""
    now = now or now_rfc3339()

    def make(type_: str, status: Literal["True", "False"]) -> Condition:
        return Condition(type=type_, status=status, reason=verdict.reason, message=verdict.message,
                         last_transition_time=now, observed_generation=generation)

    conditions = set_condition(previous, make(READY, "True" if verdict.ready else "False"))
    if verdict.phase in ("progressing", "waiting", "failed"):
        conditions = set_condition(conditions, make(RECONCILING, "True"))
    else:
        conditions = remove_condition(conditions, RECONCILING)
    if verdict.phase == "stalled":
        conditions = set_condition(conditions, make(STALLED, "True"))
    else:
        conditions = remove_condition(conditions, STALLED)
    order = {READY: 0, RECONCILING: 1, STALLED: 2}
    return sorted(conditions, key=lambda c: order.get(c.type, 3))


def find(conditions: Sequence[Condition], type_: str) -> Condition | None:
    return next((c for c in conditions if c.type == type_), None)


def ready_changed(previous: Sequence[Condition], current: Sequence[Condition]) -> bool:
    """Whether the Ready condition's status or reason changed: each such transition gets an Event."""
    before, after = find(previous, READY), find(current, READY)
    if after is None:
        return False
    return before is None or (before.status, before.reason) != (after.status, after.reason)


def event_type(verdict: Verdict) -> str:
    return "Warning" if verdict.phase in ("stalled", "failed") else "Normal"


def status_patch(current: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any] | None:
    """A JSON merge patch turning ``current`` status into ``desired``, or None when they already match.

    Keys the operator no longer reports are set to null so that the merge patch removes them.
    """
    if dict(current) == dict(desired):
        return None
    patch: dict[str, Any] = {key: None for key in current if key not in desired}
    patch.update(desired)
    return patch
