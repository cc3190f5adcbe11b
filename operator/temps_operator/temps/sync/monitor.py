"""TempsMonitor <-> /projects/{id}/monitors and /monitors/{id}; current status and uptime into status."""

from __future__ import annotations

from ...errors import DependencyMissing
from ...models import TempsMonitorSpec
from ...status import Outcome, Verdict
from .. import wire
from .context import SyncContext

STATES = {"up": "up", "operational": "up", "healthy": "up", "down": "down", "unhealthy": "down",
          "degraded": "down"}


def monitor_difference(spec: TempsMonitorSpec, environment_id: int, remote: wire.Monitor) -> str | None:
    if remote.monitor_type != spec.check_type:
        return "monitor_type"
    if remote.check_interval_seconds != spec.interval_seconds:
        return "check_interval_seconds"
    if remote.environment_id not in (None, environment_id):
        return "environment_id"
    return None


def sync_monitor(ctx: SyncContext, spec: TempsMonitorSpec, environment: dict[str, object]) -> Outcome:
    status = environment.get("status") or {}
    assert isinstance(status, dict)
    project_id, environment_id = status.get("projectId"), status.get("environmentId")
    if project_id is None or environment_id is None:
        raise DependencyMissing("EnvironmentNotSynced", f"spec.environmentRef.name: TempsEnvironment "
                                f"{spec.environment_ref.name!r} has no Temps environment yet")
    client, name = ctx.client, ctx.meta["name"]

    async def by_name() -> wire.Monitor | None:
        return next((m for m in await client.list_monitors(int(project_id)) if m.name == name), None)

    remote = ctx.find("monitorId", client.get_monitor, by_name, lambda m: f"Temps monitor {name!r} (id {m.id})")
    if remote is not None:
        field = monitor_difference(spec, int(environment_id), remote)
        if field:  # Temps has no monitor update: replace it
            ctx.delete(client.delete_monitor(remote.id))
            ctx.changed(f"Temps monitor {name!r} (replaced)", field)
            remote = None
    if remote is None:
        remote = ctx.call(client.create_monitor(int(project_id), wire.MonitorCreate(
            name=name, monitor_type=spec.check_type, environment_id=int(environment_id),
            check_interval_seconds=spec.interval_seconds)))
        ctx.changed(f"Temps monitor {name!r} (id {remote.id})", "", created=True)
    current = ctx.call(client.monitor_status(remote.id))
    state = STATES.get(current.current_status.lower(), "unknown")
    verdict = Verdict("ready", "Monitoring", f"Temps monitor {name!r} (id {remote.id}) reports {state}")
    return Outcome(verdict, {
        "mode": "Temps", "monitorId": remote.id, "currentStatus": state,
        "uptimePercentage": current.uptime_percentage,
        "responseTimeMs": round(current.avg_response_time_ms) if current.avg_response_time_ms is not None else None,
        "lastCheckTime": current.last_check_at,
    })


def delete_monitor(ctx: SyncContext) -> None:
    monitor_id = ctx.status.get("monitorId")
    if monitor_id is not None:
        ctx.delete(ctx.client.delete_monitor(int(monitor_id)))
