"""kopf registrations only: each handler hands the object's key to its kind's reconciler.

Reconcilers are level-triggered (they re-read the object), so any event may call them: the object's
own create/update/resume, the resync timer, a change of a Deployment it owns, or of what it depends on
(a project for its environments and services, an environment for its monitors).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any, cast

import kopf
from prometheus_client import start_http_server

from . import GROUP, VERSION
from .direct.render import ENVIRONMENT_LABEL, MANAGED_BY
from .kube import TEMPS_SERVICE, KubeClient, load_api_client
from .reconcilers.base import KeyedLocks, Reconciler, TransientError
from .reconcilers.connection import ConnectionReconciler
from .reconcilers.environment import EnvironmentReconciler
from .reconcilers.monitor import MonitorReconciler
from .reconcilers.project import ProjectReconciler
from .reconcilers.service import ServiceReconciler
from .settings import Settings
from .temps.connection import Connections
from .temps.runner import LoopRunner

FINALIZER = f"{GROUP}/finalizer"
ANNOTATION_PREFIX = GROUP


def post_event(body: Mapping[str, Any], type_: str, reason: str, message: str) -> None:
    kopf.event(cast(kopf.Body, body), type=type_, reason=reason, message=message)


MAX_RETRY_DELAY = 300.0
log = logging.getLogger(__name__)


def retrying(fn: Callable[[str, str], object], namespace: str | None, name: str, retry: int = 0) -> None:
    """Run a reconcile; a transient failure (already in status) makes kopf retry, backing off exponentially
    per object (and never sooner than a Retry-After asked)."""
    try:
        fn(namespace or "", name)
    except TransientError as exc:
        delay = max(exc.delay, min(MAX_RETRY_DELAY, 5.0 * 2 ** retry))
        raise kopf.TemporaryError(str(exc), delay=delay) from None


def quietly(fn: Callable[[str, str], object], namespace: str | None, name: str) -> None:
    """A dependency-triggered reconcile: a failure is in the object's status and its own retry picks it up;
    it must not fail the handler that triggered it."""
    try:
        fn(namespace or "", name)
    except TransientError:
        pass
    except Exception as exc:  # noqa: BLE001 - one broken dependent must not stop the others
        log.error("Reconciling %s/%s failed: %s", namespace, name, type(exc).__name__)


def build_registry(config: Settings, kube: KubeClient | None = None) -> kopf.OperatorRegistry:
    """All handlers of the operator, bound to one configuration and one Kubernetes client."""
    registry = kopf.OperatorRegistry()
    kube = kube or KubeClient(load_api_client(), config.field_manager)
    runner = LoopRunner()
    shared = (kube, config, post_event, KeyedLocks(), Connections(kube, runner, config.default_connection))
    projects = ProjectReconciler(*shared)
    environments = EnvironmentReconciler(*shared)
    services = ServiceReconciler(*shared)
    monitors = MonitorReconciler(*shared)
    connections = ConnectionReconciler(*shared)

    @kopf.on.login(registry=registry)
    def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
        """The pod's service account in a cluster, else the kubeconfig, as the kubernetes client does."""
        return kopf.login_with_service_account(**kwargs) or kopf.login_with_kubeconfig(**kwargs)

    @kopf.on.startup(registry=registry)
    async def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
        runner.bind(asyncio.get_running_loop())
        settings.persistence.finalizer = FINALIZER
        settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=ANNOTATION_PREFIX)
        settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
            prefix=ANNOTATION_PREFIX, key="last-handled-configuration")
        # kopf's own log lines never become Events: the operator posts its own on each Ready transition, so a
        # routine success writes nothing and an outage does not post one Event per retry.
        settings.posting.level = logging.CRITICAL + 1
        settings.execution.max_workers = 8
        settings.watching.server_timeout = 300
        if config.metrics_port:
            start_http_server(config.metrics_port)

    def resource(plural: str, reconciler: Reconciler,
                 then: Callable[[str | None, str, Mapping[str, Any]], None] | None = None) -> None:
        """create/update/resume, the resync timer and the finalizer of one kind."""

        @kopf.on.resume(GROUP, VERSION, plural, registry=registry)
        @kopf.on.create(GROUP, VERSION, plural, registry=registry)
        @kopf.on.update(GROUP, VERSION, plural, registry=registry)
        def changed(namespace: str | None, name: str, spec: Mapping[str, Any], retry: int, **_: Any) -> None:
            retrying(reconciler.reconcile, namespace, name, retry)
            if then is not None:
                then(namespace, name, spec)

        @kopf.timer(GROUP, VERSION, plural, interval=config.resync_interval,
                    initial_delay=config.resync_interval, registry=registry)
        def resync(namespace: str | None, name: str, **_: Any) -> None:
            retrying(reconciler.reconcile, namespace, name)

        @kopf.on.delete(GROUP, VERSION, plural, registry=registry)
        def deleted(namespace: str | None, name: str, spec: Mapping[str, Any], retry: int, **_: Any) -> None:
            retrying(reconciler.finalize, namespace, name, retry)
            if then is not None:
                then(namespace, name, spec)

    def after_project(namespace: str | None, name: str, spec: Mapping[str, Any]) -> None:
        # Defaults flow into environments; environments and services waiting for the project proceed.
        for env_name in projects.environment_names(namespace or "", name):
            quietly(environments.reconcile, namespace, env_name)
        for service_name in kube.referrers(TEMPS_SERVICE, namespace or "", "projectRefs", name):
            quietly(services.reconcile, namespace, service_name)

    def after_environment(namespace: str | None, name: str, spec: Mapping[str, Any]) -> None:
        project = (spec.get("projectRef") or {}).get("name")
        if project:
            quietly(projects.reconcile, namespace, project)  # its environment count
        for monitor_name in monitors.monitors_of(namespace or "", name):
            quietly(monitors.reconcile, namespace, monitor_name)

    resource("tempsprojects", projects, after_project)
    resource("tempsenvironments", environments, after_environment)
    resource("tempsservices", services)
    resource("tempsmonitors", monitors)
    resource("tempsconnections", connections)

    @kopf.on.event("apps", "v1", "deployments", labels={"app.kubernetes.io/managed-by": MANAGED_BY},
                   registry=registry)
    def deployment_event(namespace: str | None, labels: Mapping[str, str], **_: Any) -> None:
        """A rollout moved, or someone edited or deleted the Deployment: reconcile its environment."""
        env_name = labels.get(ENVIRONMENT_LABEL)
        if env_name:
            quietly(environments.reconcile, namespace, env_name)

    return registry
