"""TempsEnvironment <-> a Temps environment, its settings, env vars, domains, image deploys and actions."""

from __future__ import annotations

from typing import Any

from ...effective import EffectiveEnvironment
from ...errors import DependencyMissing, SpecError
from ...kube import Manifest
from ...references import EnvValue
from ...status import Outcome, Verdict
from .. import wire
from ..errors import BadRequest, Conflict
from .context import REDEPLOY_ANNOTATION, SyncContext

ACTION_ANNOTATIONS = {
    "redeploy": REDEPLOY_ANNOTATION,
    "rollback-to": "temps.sh/rollback-to",
    "cancel": "temps.sh/cancel",
    "teardown": "temps.sh/teardown",
}
READY_STATES = {"completed", "success", "succeeded", "deployed", "running", "active"}
FAILED_STATES = {"failed", "error", "errored", "cancelled", "canceled", "crashed"}


def desired_settings(env: EffectiveEnvironment, automatic_deploy: bool) -> wire.EnvironmentSettings:
    cpu, memory = env.resources.cpu, env.resources.memory
    return wire.EnvironmentSettings(
        cpu_request=cpu.request if cpu else None, cpu_limit=cpu.limit if cpu else None,
        memory_request=memory.request if memory else None, memory_limit=memory.limit if memory else None,
        replicas=env.replicas, exposed_port=env.port, branch=env.branch, automatic_deploy=automatic_deploy,
    )


def settings_difference(desired: wire.EnvironmentSettings, remote: wire.Environment) -> str | None:
    """The first setting the spec gives that Temps holds differently."""
    config = remote.deployment_config or wire.DeploymentConfig()
    have: dict[str, Any] = {**config.model_dump(), "branch": remote.branch}
    for name, want in desired.model_dump(exclude_none=True).items():
        if have.get(name) != want:
            return name
    return None


def deployment_verdict(deployment: wire.Deployment | None, paused: bool) -> Verdict:
    if deployment is None:
        return Verdict("progressing", "AwaitingDeployment", "the Temps environment has no deployment yet")
    state = deployment.status.lower()
    if state == "paused":
        if paused:
            return Verdict("ready", "Paused", f"deployment {deployment.id} is paused as requested (spec.paused)")
        return Verdict("progressing", "Resuming", f"deployment {deployment.id} is paused")
    if state in READY_STATES:
        return Verdict("ready", "Deployed", f"deployment {deployment.id} is {deployment.status}")
    if state in FAILED_STATES:
        return Verdict("stalled", "DeploymentFailed", f"deployment {deployment.id} is {deployment.status}")
    return Verdict("progressing", "Deploying", f"deployment {deployment.id} is {deployment.status}")


class EnvironmentSync:
    def __init__(self, ctx: SyncContext, env: EffectiveEnvironment, project: dict[str, Any]) -> None:
        self.ctx = ctx
        self.env = env
        status = project.get("status") or {}
        if status.get("projectId") is None:
            raise DependencyMissing("ProjectNotSynced", f"spec.projectRef.name: TempsProject {env.project!r} "
                                    "has no Temps project yet")
        self.project_id = int(status["projectId"])
        self.automatic_deploy = bool((project.get("spec") or {}).get("automaticDeploy", True))

    def find(self) -> wire.Environment | None:
        client, project_id, name = self.ctx.client, self.project_id, self.env.name

        async def by_id(env_id: int) -> wire.Environment | None:
            return await client.get_environment(project_id, env_id)

        async def by_name() -> wire.Environment | None:
            return next((e for e in await client.list_environments(project_id) if e.name == name), None)

        return self.ctx.find("environmentId", by_id, by_name, lambda e: f"Temps environment {name!r} (id {e.id})")

    def ensure(self) -> wire.Environment:
        remote = self.find()
        if remote is not None:
            return remote
        request = wire.EnvironmentCreate(name=self.env.name, branch=self.env.branch or "main")
        try:
            remote = self.ctx.call(self.ctx.client.create_environment(self.project_id, request))
        except Conflict:
            remote = self.find()
            if remote is None:
                raise
            return remote
        self.ctx.changed(f"Temps environment {self.env.name!r} (id {remote.id})", "", created=True)
        return remote

    def sync_settings(self, remote: wire.Environment) -> wire.Environment:
        desired = desired_settings(self.env, self.automatic_deploy)
        field = settings_difference(desired, remote)
        if field is None:
            return remote
        updated = self.ctx.call(self.ctx.client.update_environment_settings(self.project_id, remote.id, desired))
        self.ctx.changed(f"settings of Temps environment {self.env.name!r}", field)
        return updated

    def sync_env_vars(self, env_id: int, values: list[EnvValue]) -> list[str]:
        """Create or update the declared vars; delete only vars the operator created and the spec dropped."""
        ctx, client = self.ctx, self.ctx.client
        remote = {v.key: v for v in ctx.call(client.list_env_vars(self.project_id, env_id))
                  if env_id in v.environment_ids}
        desired = {v.name: v for v in values}
        for key, var in desired.items():
            current = remote.get(key)
            if current is None:
                ctx.call(client.create_env_var(self.project_id, wire.EnvVarWrite(
                    key=key, value=var.value, environment_ids=[env_id], include_in_preview=var.include_in_preview)))
                ctx.changed(f"env var {key} of Temps environment {self.env.name!r}", "", created=True)
            elif (current.value, current.include_in_preview) != (var.value, var.include_in_preview):
                ctx.call(client.update_env_var(self.project_id, current.id, wire.EnvVarWrite(
                    key=key, value=var.value, environment_ids=current.environment_ids,
                    include_in_preview=var.include_in_preview)))
                changed = "value" if current.value != var.value else "include_in_preview"
                ctx.changed(f"env var {key} of Temps environment {self.env.name!r}", changed)
        for key in set(ctx.status.get("managedEnvVars") or []) - set(desired):
            current = remote.get(key)
            if current is None:
                continue
            others = [i for i in current.environment_ids if i != env_id]
            if others:  # shared with other environments: only detach this one
                ctx.call(client.update_env_var(self.project_id, current.id, wire.EnvVarWrite(
                    key=key, value=current.value, environment_ids=others,
                    include_in_preview=current.include_in_preview)))
            else:
                ctx.delete(client.delete_env_var(self.project_id, current.id))
            ctx.record(ctx.body, "Normal", "Removed", f"env var {key} removed from Temps environment {self.env.name!r}")
        return sorted(desired)

    def sync_domains(self, env_id: int) -> list[str]:
        ctx, client = self.ctx, self.ctx.client
        remote = {d.domain: d for d in ctx.call(client.list_domains(self.project_id, env_id))}
        desired = {d.name: d.primary for d in self.env.domains}
        for name, primary in desired.items():
            if name not in remote:
                ctx.call(client.add_domain(self.project_id, env_id, wire.DomainCreate(domain=name, is_primary=primary)))
                ctx.changed(f"domain {name} of Temps environment {self.env.name!r}", "", created=True)
        for name in set(ctx.status.get("managedDomains") or []) - set(desired):
            if name in remote:
                ctx.delete(client.remove_domain(self.project_id, env_id, remote[name].id))
                ctx.record(ctx.body, "Normal", "Removed", f"domain {name} removed from {self.env.name!r}")
        return sorted(desired)

    def deploy_image(self, remote: wire.Environment) -> int | None:
        """Deploy the image when it changed, or when no deployment of it was ever started."""
        image = self.env.image
        started = remote.current_deployment_id or self.ctx.status.get("deploymentId")
        if not image or (image == self.ctx.status.get("image") and started is not None):
            return None
        deployment_id = self.ctx.call(self.ctx.client.deploy_image(self.project_id, remote.id, image))
        self.ctx.record(self.ctx.body, "Normal", "ImageDeployed", f"deploying {image} to {self.env.name!r}")
        return deployment_id

    def run_actions(self, remote: wire.Environment, deployment: wire.Deployment | None) -> dict[str, str]:
        """Each action annotation acts once per new value; spec.paused pauses or resumes declaratively.

        An action Temps refuses (say, cancelling a finished deployment) is reported with a Warning Event and
        counted as done: retrying it would only be refused again.
        """
        ctx, client = self.ctx, self.ctx.client
        done = dict(ctx.status.get("actions") or {})
        for action, annotation in ACTION_ANNOTATIONS.items():
            value = ctx.annotation(annotation)
            if not value or done.get(action) == value:
                continue
            done[action] = value
            if action in ("cancel", "teardown") and deployment is None:
                ctx.record(ctx.body, "Warning", "ActionSkipped", f"{action}: the environment has no deployment")
                continue
            try:
                self.run_action(action, value, remote, deployment)
            except BadRequest as exc:
                ctx.record(ctx.body, "Warning", "ActionRejected", f"{action} ({annotation}={value}): {exc.title}")
                continue
            ctx.record(ctx.body, "Normal", "ActionRun", f"{action} ({annotation}={value})")
        paused = bool((ctx.body.get("spec") or {}).get("paused", False))
        if deployment is not None:
            state = deployment.status.lower()
            if paused and state not in READY_STATES | FAILED_STATES | {"paused", "stopped"}:
                ctx.call(client.deployment_action(self.project_id, deployment.id, "pause"))
                ctx.record(ctx.body, "Normal", "Paused", f"deployment {deployment.id} (spec.paused)")
            elif not paused and state == "paused":
                ctx.call(client.deployment_action(self.project_id, deployment.id, "resume"))
                ctx.record(ctx.body, "Normal", "Resumed", f"deployment {deployment.id} (spec.paused)")
        return done

    def run_action(self, action: str, value: str, remote: wire.Environment,
                   deployment: wire.Deployment | None) -> None:
        ctx, client = self.ctx, self.ctx.client
        if action == "redeploy":
            ctx.call(client.trigger_pipeline(self.project_id, wire.TriggerPipeline(
                branch=self.env.branch, environment_id=remote.id)))
        elif action == "rollback-to":
            if not value.isdigit():
                raise SpecError(f"metadata.annotations[{ACTION_ANNOTATIONS[action]}]", "must be a deployment id")
            ctx.call(client.deployment_action(self.project_id, int(value), "rollback"))
        elif action == "cancel" and deployment is not None:
            ctx.call(client.deployment_action(self.project_id, deployment.id, "cancel"))
        elif action == "teardown" and deployment is not None:
            ctx.call(client.teardown(self.project_id, deployment.id))

    def sync(self, values: list[EnvValue]) -> Outcome:
        ctx = self.ctx
        remote = self.sync_settings(self.ensure())
        env_vars = self.sync_env_vars(remote.id, values)
        domains = self.sync_domains(remote.id)
        deployed = self.deploy_image(remote)
        if deployed is not None or domains != sorted(ctx.status.get("managedDomains") or []):
            remote = ctx.call(ctx.client.get_environment(self.project_id, remote.id)) or remote
        # The newest deployment: one just started, Temps' current one, or one still rolling out.
        known = [i for i in (deployed, remote.current_deployment_id, ctx.status.get("deploymentId")) if i]
        deployment_id = max(known) if known else None
        deployment = ctx.call(ctx.client.get_deployment(self.project_id, deployment_id)) if deployment_id else None
        actions = self.run_actions(remote, deployment)
        paused = bool((ctx.body.get("spec") or {}).get("paused", False))
        return Outcome(deployment_verdict(deployment, paused), {
            "mode": "Temps", "projectId": self.project_id, "environmentId": remote.id, "url": remote.main_url,
            "deploymentId": deployment.id if deployment else None,
            "deploymentStatus": deployment.status if deployment else None,
            "image": self.env.image, "managedEnvVars": env_vars, "managedDomains": domains,
            "actions": actions or None, "replicas": self.env.replicas,
        })


def delete_environment(ctx: SyncContext, project: Manifest | None) -> None:
    """By the ids in status, else by name in the project's environments (a twin created before a crash)."""
    project_id = ctx.status.get("projectId") or ((project or {}).get("status") or {}).get("projectId")
    if project_id is None:
        return  # the project never reached Temps, so neither did the environment
    client, name = ctx.client, ctx.meta["name"]

    async def by_id(env_id: int) -> wire.Environment | None:
        return await client.get_environment(int(project_id), env_id)

    async def by_name() -> wire.Environment | None:
        return next((e for e in await client.list_environments(int(project_id)) if e.name == name), None)

    remote = ctx.find("environmentId", by_id, by_name)
    if remote is not None:
        ctx.delete(client.delete_environment(int(project_id), remote.id))
