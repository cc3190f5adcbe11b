"""Pure renderers: an effective environment in, the manifests Direct mode applies out.

``temps-operator render``, the Direct backend and the unit tests share these functions, so what the
CLI prints offline is exactly what the operator applies.
"""

from __future__ import annotations

from typing import Any

from .. import API_VERSION
from ..effective import EffectiveEnvironment
from ..kube import Manifest
from ..models import EnvVar, Resources
from ..settings import Settings

MANAGED_BY = "temps-operator"
ENVIRONMENT_LABEL = "temps.sh/environment"
PROJECT_LABEL = "temps.sh/project"
CONFIG_HASH_ANNOTATION = "temps.sh/config-hash"
CONTAINER = "app"
SERVICE_PORT = 80


def cpu_quantity(millicores: int) -> str:
    """Canonical form, as the API server stores it, so that comparing with the live object is exact."""
    return str(millicores // 1000) if millicores % 1000 == 0 else f"{millicores}m"


def memory_quantity(mebibytes: int) -> str:
    if mebibytes % (1024 * 1024) == 0:
        return f"{mebibytes // (1024 * 1024)}Ti"
    if mebibytes % 1024 == 0:
        return f"{mebibytes // 1024}Gi"
    return f"{mebibytes}Mi"


def labels(env: EffectiveEnvironment) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": env.project,
        "app.kubernetes.io/instance": env.name,
        "app.kubernetes.io/component": "web",
        "app.kubernetes.io/part-of": env.project,
        "app.kubernetes.io/managed-by": MANAGED_BY,
        PROJECT_LABEL: env.project,
        ENVIRONMENT_LABEL: env.name,
    }


def selector(env: EffectiveEnvironment) -> dict[str, str]:
    """Immutable once a Deployment exists: only the environment's name."""
    return {ENVIRONMENT_LABEL: env.name}


def owner_reference(env: EffectiveEnvironment) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION, "kind": "TempsEnvironment", "name": env.name, "uid": env.uid,
        "controller": True, "blockOwnerDeletion": True,
    }


def metadata(env: EffectiveEnvironment) -> dict[str, Any]:
    return {"name": env.name, "namespace": env.namespace, "labels": labels(env),
            "ownerReferences": [owner_reference(env)]}


def container_env(variables: tuple[EnvVar, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for var in variables:
        if var.value_from is None:
            # The API server drops an empty value, so rendering one would look like drift forever.
            out.append({"name": var.name, "value": var.value} if var.value else {"name": var.name})
        elif var.value_from.secret_key_ref is not None:
            ref = var.value_from.secret_key_ref
            out.append({"name": var.name, "valueFrom": {"secretKeyRef": {"name": ref.name, "key": ref.key}}})
        elif var.value_from.config_map_key_ref is not None:
            ref = var.value_from.config_map_key_ref
            out.append({"name": var.name, "valueFrom": {"configMapKeyRef": {"name": ref.name, "key": ref.key}}})
    return out


def container_resources(resources: Resources) -> dict[str, Any]:
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    if resources.cpu:
        if resources.cpu.request is not None:
            requests["cpu"] = cpu_quantity(resources.cpu.request)
        if resources.cpu.limit is not None:
            limits["cpu"] = cpu_quantity(resources.cpu.limit)
    if resources.memory:
        if resources.memory.request is not None:
            requests["memory"] = memory_quantity(resources.memory.request)
        if resources.memory.limit is not None:
            limits["memory"] = memory_quantity(resources.memory.limit)
    return {k: v for k, v in (("requests", requests), ("limits", limits)) if v}


def deployment(env: EffectiveEnvironment, config_hash: str | None = None) -> Manifest:
    if env.image is None:
        raise ValueError("an environment without an image cannot be rendered")
    container: dict[str, Any] = {
        "name": CONTAINER,
        "image": env.image,
        "ports": [{"name": "http", "containerPort": env.port, "protocol": "TCP"}],
    }
    if env.env:
        container["env"] = container_env(env.env)
    resources = container_resources(env.resources)
    if resources:
        container["resources"] = resources
    if env.health_path:
        container["readinessProbe"] = {"httpGet": {"path": env.health_path, "port": "http"}}
    template_meta: dict[str, Any] = {"labels": labels(env)}
    if config_hash:
        template_meta["annotations"] = {CONFIG_HASH_ANNOTATION: config_hash}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(env),
        "spec": {
            "replicas": env.replicas,
            "selector": {"matchLabels": selector(env)},
            "template": {"metadata": template_meta, "spec": {"containers": [container]}},
        },
    }


def service(env: EffectiveEnvironment) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(env),
        "spec": {
            "type": "ClusterIP",
            "selector": selector(env),
            "ports": [{"name": "http", "port": SERVICE_PORT, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def ingress(env: EffectiveEnvironment, settings: Settings) -> Manifest | None:
    """One rule per domain; TLS for all of them when a cert-manager issuer is configured."""
    if not env.domains:
        return None
    meta = metadata(env)
    spec: dict[str, Any] = {"rules": [
        {"host": domain.name, "http": {"paths": [{
            "path": "/", "pathType": "Prefix",
            "backend": {"service": {"name": env.name, "port": {"name": "http"}}},
        }]}}
        for domain in env.domains
    ]}
    if settings.ingress_class:
        spec["ingressClassName"] = settings.ingress_class
    if settings.tls_issuer:
        meta["annotations"] = {"cert-manager.io/cluster-issuer": settings.tls_issuer}
        spec["tls"] = [{"hosts": [d.name for d in env.domains], "secretName": f"{env.name}-tls"}]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": spec}


def environment_url(env: EffectiveEnvironment, settings: Settings) -> str:
    """The primary domain when there is one, else the in-cluster Service address."""
    if env.primary_domain:
        scheme = "https" if settings.tls_issuer else "http"
        return f"{scheme}://{env.primary_domain}"
    return f"http://{env.name}.{env.namespace}.svc.cluster.local"


def render_environment(env: EffectiveEnvironment, settings: Settings, config_hash: str | None = None) -> list[Manifest]:
    """Every object Direct mode owns for the environment, in apply order."""
    manifests = [deployment(env, config_hash), service(env)]
    route = ingress(env, settings)
    if route is not None:
        manifests.append(route)
    return manifests
