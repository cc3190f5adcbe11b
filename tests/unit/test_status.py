"""Conditions follow kstatus: transition times move only on a status change."""

from __future__ import annotations

from temps_operator.models import Condition
from temps_operator.status import (
    READY,
    RECONCILING,
    STALLED,
    Verdict,
    conditions_for,
    find,
    ready_changed,
    status_patch,
)

T0, T1, T2 = "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z"


def types(conditions: list[Condition]) -> dict[str, str]:
    return {c.type: c.status for c in conditions}


def test_ready_verdict_sets_ready_and_removes_abnormal_conditions() -> None:
    progressing = conditions_for(Verdict("progressing", "Progressing", "1/2"), [], 1, T0)
    assert types(progressing) == {READY: "False", RECONCILING: "True"}
    ready = conditions_for(Verdict("ready", "Available", "2/2"), progressing, 1, T1)
    assert types(ready) == {READY: "True"}
    assert find(ready, READY).last_transition_time == T1  # type: ignore[union-attr]


def test_stalled_verdict_sets_stalled_not_reconciling() -> None:
    stalled = conditions_for(Verdict("stalled", "InvalidSpec", "spec.image: missing"), [], 3, T0)
    assert types(stalled) == {READY: "False", STALLED: "True"}
    assert all(c.observed_generation == 3 for c in stalled)
    assert find(stalled, READY).message == "spec.image: missing"  # type: ignore[union-attr]


def test_transition_time_kept_when_only_reason_or_message_changes() -> None:
    first = conditions_for(Verdict("waiting", "ProjectNotFound", "no project"), [], 1, T0)
    second = conditions_for(Verdict("progressing", "Progressing", "0/1"), first, 1, T1)
    assert find(second, READY).last_transition_time == T0  # type: ignore[union-attr]
    assert find(second, RECONCILING).last_transition_time == T0  # type: ignore[union-attr]
    third = conditions_for(Verdict("ready", "Available", "1/1"), second, 1, T2)
    assert find(third, READY).last_transition_time == T2  # type: ignore[union-attr]


def test_ready_changed_on_status_or_reason_only() -> None:
    a = conditions_for(Verdict("progressing", "Progressing", "0/2"), [], 1, T0)
    b = conditions_for(Verdict("progressing", "Progressing", "1/2"), a, 1, T1)
    c = conditions_for(Verdict("ready", "Available", "2/2"), b, 1, T2)
    assert ready_changed([], a)
    assert not ready_changed(a, b)
    assert ready_changed(b, c)


def test_status_patch_is_none_when_nothing_changed_and_nulls_dropped_keys() -> None:
    current = {"observedGeneration": 1, "url": "http://a", "readyReplicas": 1}
    assert status_patch(current, dict(current)) is None
    assert status_patch(current, {"observedGeneration": 2, "readyReplicas": 1}) == {
        "observedGeneration": 2, "readyReplicas": 1, "url": None,
    }
