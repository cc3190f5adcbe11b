"""kopf registrations only: each handler hands the object's key to its kind's reconciler.

Reconcilers are level-triggered (they re-read the object), so any event may call them: the object's
own create/update/resume, the resync timer, a change of a Deployment it owns, or its project.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from typing import Any, cast

import kopf
from prometheus_client import start_http_server

from . import GROUP, VERSION
from .direct.render import ENVIRONMENT_LABEL, MANAGED_BY
from .kube import KubeClient, load_api_client
from .reconcilers.base import KeyedLocks, TransientError
from .reconcilers.environment import EnvironmentReconciler
from .reconcilers.project import ProjectReconciler
from .settings import Settings

FINALIZER = f"{GROUP}/finalizer"
ANNOTATION_PREFIX = GROUP
RETRY_DELAY = 10.0


def post_event(body: Mapping[str, Any], type_: str, reason: str, message: str) -> None:
    kopf.event(cast(kopf.Body, body), type=type_, reason=reason, message=message)


def build_registry(config: Settings, kube: KubeClient | None = None) -> kopf.OperatorRegistry:
    """All handlers of the operator, bound to one configuration and one Kubernetes client."""
    registry = kopf.OperatorRegistry()
    kube = kube or KubeClient(load_api_client(), config.field_manager)
    locks = KeyedLocks()
    projects = ProjectReconciler(kube, config, post_event, locks)
    environments = EnvironmentReconciler(kube, config, post_event, locks)

    def retrying(fn: Any, namespace: str | None, name: str) -> None:
        try:
            fn(namespace, name)
        except TransientError as exc:
            raise kopf.TemporaryError(str(exc), delay=RETRY_DELAY) from None

    @kopf.on.login(registry=registry)
    def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
        """The pod's service account in a cluster, else the kubeconfig, as the kubernetes client does."""
        return kopf.login_with_service_account(**kwargs) or kopf.login_with_kubeconfig(**kwargs)

    @kopf.on.startup(registry=registry)
    def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
        settings.persistence.finalizer = FINALIZER
        settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=ANNOTATION_PREFIX)
        settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
            prefix=ANNOTATION_PREFIX, key="last-handled-configuration")
        # Only warnings become Events: a handler's routine success must not write anything.
        settings.posting.level = logging.WARNING
        settings.execution.max_workers = 8
        settings.watching.server_timeout = 300

    @kopf.on.startup(registry=registry)
    def serve_metrics(**_: Any) -> None:
        if config.metrics_port:
            start_http_server(config.metrics_port)

    # --- TempsProject ---------------------------------------------------------------------------------
    @kopf.on.resume(GROUP, VERSION, "tempsprojects", registry=registry)
    @kopf.on.create(GROUP, VERSION, "tempsprojects", registry=registry)
    @kopf.on.update(GROUP, VERSION, "tempsprojects", registry=registry)
    def project_changed(namespace: str | None, name: str, **_: Any) -> None:
        retrying(projects.reconcile, namespace, name)
        # A project's defaults flow into its environments, and waiting environments can now proceed.
        for env_name in projects.environment_names(namespace or "", name):
            retrying(environments.reconcile, namespace, env_name)

    @kopf.timer(GROUP, VERSION, "tempsprojects", interval=config.resync_interval,
                initial_delay=config.resync_interval, registry=registry)
    def project_resync(namespace: str | None, name: str, **_: Any) -> None:
        retrying(projects.reconcile, namespace, name)

    # --- TempsEnvironment -----------------------------------------------------------------------------
    @kopf.on.resume(GROUP, VERSION, "tempsenvironments", registry=registry)
    @kopf.on.create(GROUP, VERSION, "tempsenvironments", registry=registry)
    @kopf.on.update(GROUP, VERSION, "tempsenvironments", registry=registry)
    def environment_changed(namespace: str | None, name: str, spec: Mapping[str, Any], **_: Any) -> None:
        retrying(environments.reconcile, namespace, name)
        project = (spec.get("projectRef") or {}).get("name")
        if project:
            retrying(projects.reconcile, namespace, project)

    @kopf.timer(GROUP, VERSION, "tempsenvironments", interval=config.resync_interval,
                initial_delay=config.resync_interval, registry=registry)
    def environment_resync(namespace: str | None, name: str, **_: Any) -> None:
        retrying(environments.reconcile, namespace, name)

    @kopf.on.delete(GROUP, VERSION, "tempsenvironments", optional=True, registry=registry)
    def environment_deleted(namespace: str | None, spec: Mapping[str, Any], **_: Any) -> None:
        project = (spec.get("projectRef") or {}).get("name")
        if project:
            retrying(projects.reconcile, namespace, project)

    @kopf.on.event("apps", "v1", "deployments", labels={"app.kubernetes.io/managed-by": MANAGED_BY},
                   registry=registry)
    def deployment_event(namespace: str | None, labels: Mapping[str, str], **_: Any) -> None:
        """A rollout moved, or someone edited or deleted the Deployment: reconcile its environment."""
        env_name = labels.get(ENVIRONMENT_LABEL)
        if env_name:
            # A failure is already in the environment's status; its own retry and resync pick it up.
            with contextlib.suppress(TransientError):
                environments.reconcile(namespace or "", env_name)

    return registry
