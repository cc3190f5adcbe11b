"""Values of env vars that come from Secret and ConfigMap keys.

Direct mode needs only the versions of the referenced objects (a digest in the pod template rolls the
pods when one changes); Temps mode needs the values, to send them to Temps. Both read them here, and a
missing object or key names the env var at fault. Values never leave this module except as ``value``.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from .effective import EffectiveEnvironment
from .errors import DependencyMissing
from .kube import CONFIGMAP, SECRET, KubeClient, Manifest


@dataclass(frozen=True)
class EnvValue:
    name: str
    value: str = field(repr=False)
    version: str | None = None
    """kind/name/uid/resourceVersion of the Secret or ConfigMap it came from; None for a literal."""
    include_in_preview: bool = False


def resolve_env(kube: KubeClient, env: EffectiveEnvironment) -> list[EnvValue]:
    cache: dict[tuple[str, str], Manifest | None] = {}
    out: list[EnvValue] = []
    for var in env.env:
        source = var.value_from
        if source is None:
            out.append(EnvValue(var.name, var.value or "", include_in_preview=var.include_in_preview))
            continue
        if source.secret_key_ref is not None:
            ref, rtype, field_name = source.secret_key_ref, SECRET, "secretKeyRef"
        else:
            assert source.config_map_key_ref is not None
            ref, rtype, field_name = source.config_map_key_ref, CONFIGMAP, "configMapKeyRef"
        where = f"spec.env[name={var.name}].valueFrom.{field_name}"
        key = (rtype.kind, ref.name)
        if key not in cache:
            cache[key] = kube.get(rtype, env.namespace, ref.name)
        obj = cache[key]
        if obj is None:
            raise DependencyMissing(f"{rtype.kind}NotFound", f"{where}: {rtype.kind} {ref.name!r} not found")
        value = _value(obj, ref.key, encoded=rtype is SECRET)
        if value is None:
            raise DependencyMissing(f"{rtype.kind}KeyNotFound",
                                    f"{where}: {rtype.kind} {ref.name!r} has no key {ref.key!r}")
        meta = obj["metadata"]
        out.append(EnvValue(var.name, value, f"{rtype.kind}/{ref.name}/{meta['uid']}/{meta['resourceVersion']}",
                            var.include_in_preview))
    return out


def versions_digest(values: list[EnvValue]) -> str | None:
    """A digest of the referenced objects' versions (never their values), or None without references."""
    versions = [v.version for v in values if v.version]
    if not versions:
        return None
    return hashlib.sha256("\0".join(versions).encode()).hexdigest()[:16]


def _value(obj: Manifest, key: str, encoded: bool) -> str | None:
    data = obj.get("data") or {}
    if key in data:
        return base64.b64decode(data[key]).decode(errors="replace") if encoded else str(data[key])
    binary = obj.get("binaryData") or {}
    if key in binary:
        return base64.b64decode(binary[key]).decode(errors="replace")
    return None
