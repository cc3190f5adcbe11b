"""A thin, dict-based Kubernetes client on top of the official client's configuration and transport.

Reconcilers work on plain manifests (the renderers' output), so this wrapper speaks JSON dicts and
server-side apply rather than the generated typed models.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException

from . import GROUP, VERSION

Manifest = dict[str, Any]
REQUEST_TIMEOUT = (5.0, 30.0)  # connect, read: a half-open connection must not pin a reconcile forever


@dataclass(frozen=True)
class ResourceType:
    """Where a kind lives in the REST API."""

    api_version: str
    kind: str
    plural: str
    namespaced: bool = True

    def path(self, namespace: str | None, name: str | None = None, subresource: str | None = None) -> str:
        """The object's URL path; a namespaced kind with namespace None lists across all namespaces."""
        base = "/api/v1" if self.api_version == "v1" else f"/apis/{self.api_version}"
        in_namespace = self.namespaced and namespace is not None
        path = f"{base}/namespaces/{namespace}/{self.plural}" if in_namespace else f"{base}/{self.plural}"
        if name:
            path += f"/{name}"
        if subresource:
            path += f"/{subresource}"
        return path


DEPLOYMENT = ResourceType("apps/v1", "Deployment", "deployments")
SERVICE = ResourceType("v1", "Service", "services")
INGRESS = ResourceType("networking.k8s.io/v1", "Ingress", "ingresses")
SECRET = ResourceType("v1", "Secret", "secrets")
CONFIGMAP = ResourceType("v1", "ConfigMap", "configmaps")
TEMPS_PROJECT = ResourceType(f"{GROUP}/{VERSION}", "TempsProject", "tempsprojects")
TEMPS_ENVIRONMENT = ResourceType(f"{GROUP}/{VERSION}", "TempsEnvironment", "tempsenvironments")
TEMPS_SERVICE = ResourceType(f"{GROUP}/{VERSION}", "TempsService", "tempsservices")
TEMPS_MONITOR = ResourceType(f"{GROUP}/{VERSION}", "TempsMonitor", "tempsmonitors")
TEMPS_CONNECTION = ResourceType(f"{GROUP}/{VERSION}", "TempsConnection", "tempsconnections", namespaced=False)
BY_KIND = {t.kind: t for t in (DEPLOYMENT, SERVICE, INGRESS, SECRET, CONFIGMAP, TEMPS_PROJECT, TEMPS_ENVIRONMENT,
                               TEMPS_SERVICE, TEMPS_MONITOR, TEMPS_CONNECTION)}


class KubeError(Exception):
    """A Kubernetes API call failed; carries the HTTP status and the API server's message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


def load_api_client() -> k8s.ApiClient:
    """In-cluster credentials when running in a pod, else KUBECONFIG or ~/.kube/config."""
    try:
        k8s_config.load_incluster_config()  # type: ignore[no-untyped-call]
    except k8s_config.ConfigException:
        k8s_config.load_kube_config()  # type: ignore[no-untyped-call]
    return k8s.ApiClient()


class KubeClient:
    def __init__(self, api: k8s.ApiClient, field_manager: str) -> None:
        self.api = api
        self.field_manager = field_manager

    def _request(
        self, method: str, path: str, *, query: Mapping[str, str] | None = None,
        body: Any = None, content_type: str = "application/json",
    ) -> Manifest:
        _, url, headers, serialized, _ = self.api.param_serialize(
            method, path, query_params=list((query or {}).items()),
            header_params={"Content-Type": content_type, "Accept": "application/json"},
            body=body, auth_settings=["BearerToken"],
        )
        response = self.api.call_api(method, url, header_params=headers, body=serialized,
                                     _request_timeout=REQUEST_TIMEOUT)
        raw = response.read()  # type: ignore[no-untyped-call]
        if response.status >= 400:
            raise KubeError(response.status, _message(raw))
        result: Manifest = json.loads(raw) if raw else {}
        return result

    def get(self, rtype: ResourceType, namespace: str, name: str) -> Manifest | None:
        try:
            return self._request("GET", rtype.path(namespace, name))
        except KubeError as exc:
            if exc.status == 404:
                return None
            raise

    def list(self, rtype: ResourceType, namespace: str | None, label_selector: str | None = None) -> list[Manifest]:
        query = {"labelSelector": label_selector} if label_selector else None
        items: list[Manifest] = self._request("GET", rtype.path(namespace), query=query).get("items", [])
        return items

    def referrers(self, rtype: ResourceType, namespace: str, ref_field: str, name: str) -> tuple[str, ...]:
        """Names of the objects whose ``spec.<ref_field>`` (one reference or a list of them) names ``name``."""
        def refers(obj: Manifest) -> bool:
            ref = (obj.get("spec") or {}).get(ref_field)
            return any(isinstance(r, dict) and r.get("name") == name for r in (ref if isinstance(ref, list) else [ref]))

        return tuple(sorted(obj["metadata"]["name"] for obj in self.list(rtype, namespace) if refers(obj)))

    def apply(self, manifest: Manifest) -> Manifest:
        """Server-side apply under the operator's field manager, taking ownership of conflicting fields."""
        rtype = BY_KIND[manifest["kind"]]
        meta = manifest["metadata"]
        return self._request(
            "PATCH", rtype.path(meta["namespace"], meta["name"]),
            query={"fieldManager": self.field_manager, "force": "true"},
            body=manifest, content_type="application/apply-patch+yaml",
        )

    def delete(self, rtype: ResourceType, namespace: str, name: str, uid: str | None = None) -> bool:
        """Delete, guarded by a UID precondition so that a newer object of the same name is never touched."""
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}
        if uid:
            body["preconditions"] = {"uid": uid}  # type: ignore[assignment]
        try:
            self._request("DELETE", rtype.path(namespace, name), body=body)
        except KubeError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def patch_status(self, rtype: ResourceType, namespace: str, name: str, status: Mapping[str, Any]) -> Manifest:
        return self._request(
            "PATCH", rtype.path(namespace, name, "status"),
            body={"status": dict(status)}, content_type="application/merge-patch+json",
        )


def _message(raw: bytes) -> str:
    try:
        return str(json.loads(raw).get("message", raw.decode(errors="replace")))
    except (ValueError, AttributeError):
        return raw.decode(errors="replace")[:500]


__all__ = ["ApiException", "KubeClient", "KubeError", "Manifest", "ResourceType", "load_api_client"]
