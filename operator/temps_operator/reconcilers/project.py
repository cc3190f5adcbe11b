"""TempsProject: Direct mode validates it and counts its environments; Temps mode syncs it to /projects."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..effective import parse_spec
from ..kube import TEMPS_ENVIRONMENT, TEMPS_PROJECT, Manifest, ResourceType
from ..models import TempsProjectSpec
from ..status import Outcome, Verdict
from ..temps.sync.context import SyncContext
from ..temps.sync.project import delete_project, sync_project
from .base import Reconciler


def project_connection(spec: TempsProjectSpec | dict[str, object]) -> str | None:
    """The connection named by a project's spec (model or raw dict), before the operator's default applies."""
    if isinstance(spec, TempsProjectSpec):
        return spec.connection_ref.name if spec.connection_ref else None
    ref = spec.get("connectionRef")
    return str(ref["name"]) if isinstance(ref, dict) and ref.get("name") else None


@dataclass
class ProjectReconciler(Reconciler):
    rtype: ResourceType = field(init=False, default=TEMPS_PROJECT)

    def observe(self, body: Manifest) -> Outcome:
        spec = parse_spec(TempsProjectSpec, body)
        meta = body["metadata"]
        names = self.environment_names(meta["namespace"], meta["name"])
        connection = self.connections.choose(project_connection(spec))
        if connection is None:
            source = spec.image if spec.image else f"git {spec.git.repository if spec.git else ''}"
            return Outcome(Verdict("ready", "Accepted", f"source {source}; {len(names)} environment(s)"),
                           {"environments": len(names), "mode": "Direct"})
        outcome = sync_project(self.context(connection, body), spec, len(names))
        outcome.fields.update(environments=len(names), connection=connection)
        return outcome

    def delete_remote(self, ctx: SyncContext) -> None:
        delete_project(ctx, parse_spec(TempsProjectSpec, ctx.body))

    def connection_of(self, body: Manifest) -> str | None:
        return self.connections.choose(project_connection(body.get("spec") or {}))

    def environment_names(self, namespace: str, project: str) -> tuple[str, ...]:
        return self.kube.referrers(TEMPS_ENVIRONMENT, namespace, "projectRef", project)
