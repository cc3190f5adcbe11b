"""TempsMonitor: an uptime monitor on an environment."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .base import KubeModel, cel, validated
from .common import HTTP_PATH, CommonStatus, DeletionPolicy, LocalObjectReference

CheckType = Literal["http", "tcp"]


class TempsMonitorSpec(KubeModel):
    """Desired state of a TempsMonitor."""

    model_config = validated(
            cel("self.checkType == 'http' || (!has(self.path) && !has(self.expectedStatus))",
                "path and expectedStatus apply to http checks only", field_path=".checkType"),
    )

    environment_ref: LocalObjectReference
    """The TempsEnvironment to watch, in the same namespace."""
    check_type: CheckType = "http"
    """http (a GET expecting expectedStatus) or tcp (a connection)."""
    interval_seconds: Annotated[int, Field(ge=10, le=86400)] = 60
    """Seconds between checks (10-86400)."""
    timeout_seconds: Annotated[int, Field(ge=1, le=60)] = 10
    """Seconds before a check counts as failed (1-60)."""
    path: Annotated[str, StringConstraints(max_length=1024, pattern=HTTP_PATH)] | None = None
    """Path of the http check, starting with /; / when unset."""
    expected_status: Annotated[int, Field(ge=100, le=599)] | None = None
    """HTTP status a healthy check answers (100-599); any 2xx when unset."""
    deletion_policy: DeletionPolicy = "Delete"
    """Temps mode: Delete removes the Temps monitor when this resource is deleted; Orphan leaves it."""


MonitorState = Literal["up", "down", "unknown"]


class TempsMonitorStatus(CommonStatus):
    """Observed state of a TempsMonitor."""

    current_status: MonitorState | None = None
    """up, down or unknown."""
    response_time_ms: int | None = None
    """Response time of the last check in milliseconds."""
    uptime_percentage: float | None = None
    """Share of successful checks, in percent."""
    last_check_time: str | None = None
    """When the last check ran (RFC 3339)."""
    monitor_id: int | None = None
    """Temps mode: id of the Temps monitor."""
