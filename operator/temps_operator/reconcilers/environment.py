"""TempsEnvironment: resolve against the project, realise through the Direct backend, report the rollout."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import metrics
from ..direct import apply, render
from ..effective import EffectiveEnvironment, resolve
from ..errors import DependencyMissing, SpecError
from ..kube import INGRESS, TEMPS_ENVIRONMENT, TEMPS_PROJECT, Manifest, ResourceType
from ..references import resolve_env, versions_digest
from ..status import Outcome, Verdict
from ..temps.sync.context import SyncContext
from ..temps.sync.environment import EnvironmentSync, delete_environment
from .base import Reconciler
from .project import project_connection


def rollout_verdict(deployment: Manifest, url: str) -> Verdict:
    """kstatus' rules for a Deployment: Ready only when the current generation is fully rolled out."""
    meta, spec, status = deployment["metadata"], deployment.get("spec", {}), deployment.get("status", {})
    desired = int(spec.get("replicas", 1))
    if int(status.get("observedGeneration", 0)) < int(meta.get("generation", 1)):
        return Verdict("progressing", "Progressing", "waiting for the Deployment controller to observe the change")
    for condition in status.get("conditions", []):
        if condition.get("type") == "Progressing" and condition.get("reason") == "ProgressDeadlineExceeded":
            return Verdict("stalled", "RolloutFailed", f"Deployment {meta['name']}: {condition.get('message', '')}")
    updated = int(status.get("updatedReplicas", 0))
    total = int(status.get("replicas", 0))
    available = int(status.get("availableReplicas", 0))
    if updated < desired:
        return Verdict("progressing", "Progressing", f"{updated}/{desired} replicas updated")
    if total > updated:
        return Verdict("progressing", "Progressing", f"{total - updated} old replicas pending termination")
    if available < desired:
        return Verdict("progressing", "Progressing", f"{available}/{desired} replicas available")
    return Verdict("ready", "Available", f"{available}/{desired} replicas available at {url}")


@dataclass
class EnvironmentReconciler(Reconciler):
    rtype: ResourceType = field(init=False, default=TEMPS_ENVIRONMENT)

    def observe(self, body: Manifest) -> Outcome:
        meta = body["metadata"]
        project_name = ((body.get("spec") or {}).get("projectRef") or {}).get("name")
        project = self.project_of(body)
        if project is None:
            raise DependencyMissing(
                "ProjectNotFound",
                f"spec.projectRef.name: TempsProject {project_name!r} not found in namespace {meta['namespace']!r}",
            )
        env = resolve(body, project)
        connection = self.connections.choose(project_connection(project.get("spec") or {}))
        if connection is not None:
            values = resolve_env(self.kube, env)
            outcome = EnvironmentSync(self.context(connection, body), env, project).sync(values)
            outcome.fields["connection"] = connection
            return outcome
        if env.image is None:
            raise SpecError("spec.image", f"no image on the environment nor on TempsProject {project_name!r}; "
                            "Direct mode runs container images (a git source needs Temps mode)")
        manifests = render.render_environment(env, self.settings, versions_digest(resolve_env(self.kube, env)))
        results = [apply.sync(self.kube, manifest) for manifest in manifests]
        for result in results:
            if result.action != "unchanged":
                metrics.APPLIES.labels(result.kind, result.action).inc()
            if result.action == "drift-corrected":
                self.record(body, "Normal", "DriftCorrected",
                            f"{result.kind} {result.name}: {result.changed_field} was changed out of band; restored")
        if not any(m["kind"] == "Ingress" for m in manifests):
            self.prune(INGRESS, env)
        url = render.environment_url(env, self.settings)
        deployment = results[0].live
        ready_replicas = (deployment.get("status") or {}).get("readyReplicas", 0)
        return Outcome(rollout_verdict(deployment, url), {
            "mode": "Direct", "url": url, "image": env.image, "replicas": env.replicas,
            "readyReplicas": ready_replicas,
        })

    def delete_remote(self, ctx: SyncContext) -> None:
        delete_environment(ctx, self.project_of(ctx.body))

    def project_of(self, body: Manifest) -> Manifest | None:
        name = ((body.get("spec") or {}).get("projectRef") or {}).get("name")
        return self.kube.get(TEMPS_PROJECT, body["metadata"]["namespace"], name) if name else None

    def connection_of(self, body: Manifest) -> str | None:
        project = self.project_of(body)
        return self.connections.choose(project_connection(project.get("spec") or {})) if project else None

    def prune(self, rtype: ResourceType, env: EffectiveEnvironment) -> None:
        """Delete a child the environment no longer needs, only if it is ours (owned by this environment)."""
        live = self.kube.get(rtype, env.namespace, env.name)
        if live is None:
            return
        owners = live["metadata"].get("ownerReferences") or []
        if any(o.get("uid") == env.uid and o.get("controller") for o in owners):
            self.kube.delete(rtype, env.namespace, env.name, uid=live["metadata"]["uid"])
