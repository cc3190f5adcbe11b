"""Resolves TempsConnection objects (URL, token Secret, TLS) into API clients.

The token Secret is read on every resolve, so a rotated token takes effect at the next reconcile without a
restart; a client is reused while URL, token and TLS settings stay the same.
"""

from __future__ import annotations

import base64
import hashlib
import ssl
import threading
from dataclasses import dataclass, field

from ..errors import DependencyMissing, SpecError
from ..kube import SECRET, TEMPS_CONNECTION, KubeClient
from ..models import TempsConnectionSpec
from .client import TempsClient
from .runner import LoopRunner


@dataclass(frozen=True)
class Endpoint:
    url: str
    token: str = field(repr=False)
    ca_bundle: str | None = field(default=None, repr=False)
    verify: bool = True
    timeout: float = 30.0
    max_concurrency: int = 8

    @property
    def key(self) -> str:
        """Identifies the client to reuse; a digest, so the token is never kept in the clear as a key."""
        raw = "\0".join([self.url, self.token, self.ca_bundle or "", str(self.verify), str(self.timeout),
                         str(self.max_concurrency)])
        return hashlib.sha256(raw.encode()).hexdigest()

    def tls(self) -> ssl.SSLContext | bool:
        if not self.verify:
            return False
        if self.ca_bundle:
            return ssl.create_default_context(cadata=self.ca_bundle)
        return True


def read_endpoint(kube: KubeClient, name: str) -> Endpoint:
    """The endpoint a TempsConnection describes; errors name the field at fault."""
    obj = kube.get(TEMPS_CONNECTION, "", name)
    if obj is None:
        raise DependencyMissing("ConnectionNotFound", f"spec.connectionRef.name: TempsConnection {name!r} not found")
    try:
        spec = TempsConnectionSpec.model_validate(obj.get("spec") or {})
    except ValueError as exc:
        raise SpecError(f"TempsConnection {name!r} spec", str(exc).splitlines()[0]) from None
    ref = spec.token_secret_ref
    secret = kube.get(SECRET, ref.namespace, ref.name)
    if secret is None:
        raise DependencyMissing("TokenSecretNotFound", f"TempsConnection {name!r} spec.tokenSecretRef: Secret "
                                f"{ref.namespace}/{ref.name} not found")
    encoded = (secret.get("data") or {}).get(ref.key)
    if not encoded:
        raise DependencyMissing("TokenSecretNotFound", f"TempsConnection {name!r} spec.tokenSecretRef: Secret "
                                f"{ref.namespace}/{ref.name} has no key {ref.key!r}")
    token = base64.b64decode(encoded).decode().strip()
    return Endpoint(url=spec.url, token=token, ca_bundle=spec.ca_bundle, verify=not spec.insecure_skip_tls_verify,
                    timeout=float(spec.timeout_seconds), max_concurrency=spec.max_concurrency)


RETIRE_AFTER = 120.0  # seconds a replaced client keeps serving calls already in flight


class Connections:
    """One client per Temps endpoint, shared by every resource that uses it (bounded concurrency per instance)."""

    def __init__(self, kube: KubeClient, runner: LoopRunner, default: str | None = None) -> None:
        self.kube = kube
        self.runner = runner
        self.default = default
        self._lock = threading.Lock()
        self._clients: dict[str, tuple[str, TempsClient]] = {}

    def choose(self, connection_ref: str | None) -> str | None:
        """The connection a resource uses: its own reference, else the operator's default; None is Direct."""
        return connection_ref or self.default

    def client(self, name: str) -> TempsClient:
        endpoint = read_endpoint(self.kube, name)
        with self._lock:  # one client per endpoint, even when many reconciles ask at once
            current = self._clients.get(name)
            if current and current[0] == endpoint.key:
                return current[1]

            async def make() -> TempsClient:
                return TempsClient(endpoint.url, endpoint.token, verify=endpoint.tls(), timeout=endpoint.timeout,
                                   max_concurrency=endpoint.max_concurrency)

            client = self.runner.run(make())
            self._clients[name] = (endpoint.key, client)
        if current is not None:
            self.runner.retire(current[1].aclose(), RETIRE_AFTER)
        return client
