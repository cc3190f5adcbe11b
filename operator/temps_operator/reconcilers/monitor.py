"""TempsMonitor: Temps mode syncs it to the project's monitors; Direct-mode probing is not built yet."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..effective import parse_spec
from ..errors import DependencyMissing
from ..kube import TEMPS_ENVIRONMENT, TEMPS_MONITOR, TEMPS_PROJECT, Manifest, ResourceType
from ..models import TempsMonitorSpec
from ..status import Outcome, Verdict
from ..temps.sync.context import SyncContext
from ..temps.sync.monitor import delete_monitor, sync_monitor
from .base import Reconciler
from .project import project_connection


@dataclass
class MonitorReconciler(Reconciler):
    rtype: ResourceType = field(init=False, default=TEMPS_MONITOR)

    def observe(self, body: Manifest) -> Outcome:
        spec = parse_spec(TempsMonitorSpec, body)
        namespace = body["metadata"]["namespace"]
        environment = self.kube.get(TEMPS_ENVIRONMENT, namespace, spec.environment_ref.name)
        if environment is None:
            raise DependencyMissing("EnvironmentNotFound", f"spec.environmentRef.name: TempsEnvironment "
                                    f"{spec.environment_ref.name!r} not found in namespace {namespace!r}")
        project_name = ((environment.get("spec") or {}).get("projectRef") or {}).get("name", "")
        project = self.kube.get(TEMPS_PROJECT, namespace, project_name)
        if project is None:
            raise DependencyMissing("ProjectNotFound", f"spec.environmentRef.name: the project {project_name!r} "
                                    f"of TempsEnvironment {spec.environment_ref.name!r} is not found")
        connection = self.connections.choose(project_connection(project.get("spec") or {}))
        if connection is None:
            return Outcome(Verdict("stalled", "DirectModeUnsupported",
                                   "spec.environmentRef: monitors of Direct-mode environments are not supported "
                                   "yet; the environment's project needs a TempsConnection"), {"mode": "Direct"})
        outcome = sync_monitor(self.context(connection, body), spec, environment)
        outcome.fields["connection"] = connection
        return outcome

    def delete_remote(self, ctx: SyncContext) -> None:
        delete_monitor(ctx)

    def monitors_of(self, namespace: str, environment: str) -> tuple[str, ...]:
        return self.kube.referrers(TEMPS_MONITOR, namespace, "environmentRef", environment)
