"""The server-side-apply writer: applies a manifest only when the live object differs from it.

A no-op apply is still a PATCH request, so the writer first compares the desired manifest with the
live object and stays silent when every field it owns already matches ("quiet when idle"). Each
applied manifest carries a fingerprint annotation, which tells a spec change (new fingerprint) from
an out-of-band edit of the live object (same fingerprint, different fields): the latter is drift.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..kube import BY_KIND, KubeClient, Manifest

FINGERPRINT_ANNOTATION = "temps.sh/applied-fingerprint"

Action = Literal["created", "updated", "drift-corrected", "unchanged"]


def fingerprint(manifest: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:16]


def with_fingerprint(manifest: Manifest) -> Manifest:
    meta = dict(manifest["metadata"])
    meta["annotations"] = {**meta.get("annotations", {}), FINGERPRINT_ANNOTATION: fingerprint(manifest)}
    return {**manifest, "metadata": meta}


def first_difference(desired: Any, live: Any, path: str = "") -> str | None:
    """The path of the first desired field the live object lacks or holds differently, else None.

    Fields only the live object has (defaults, other managers' fields, status) are not differences.
    Lists of named items are matched by name, other lists of objects by position.
    """
    if isinstance(desired, Mapping):
        if not isinstance(live, Mapping):
            return path or "."
        for key, value in desired.items():
            found = first_difference(value, live.get(key), f"{path}.{key}" if path else key)
            if found:
                return found
        return None
    if isinstance(desired, list):
        if not isinstance(live, list):
            return path
        if desired and all(isinstance(item, Mapping) for item in desired):
            named = all("name" in item for item in desired)
            for index, item in enumerate(desired):
                if named:
                    match = next((x for x in live if isinstance(x, Mapping) and x.get("name") == item["name"]),
                                 None)
                    label = f"{path}[name={item['name']}]"
                else:
                    match = live[index] if index < len(live) else None
                    label = f"{path}[{index}]"
                found = first_difference(item, match, label)
                if found:
                    return found
            return None if named or len(live) == len(desired) else path
        return None if desired == live else path
    return None if desired == live else path


@dataclass(frozen=True)
class ApplyResult:
    kind: str
    name: str
    action: Action
    live: Manifest
    changed_field: str | None = None


def sync(kube: KubeClient, manifest: Manifest) -> ApplyResult:
    """Bring one object to the desired manifest: one GET, and one apply only if something differs."""
    desired = with_fingerprint(manifest)
    meta = desired["metadata"]
    live = kube.get(BY_KIND[desired["kind"]], meta["namespace"], meta["name"])
    if live is None:
        return ApplyResult(desired["kind"], meta["name"], "created", kube.apply(desired))
    changed = first_difference(desired, live)
    if changed is None:
        return ApplyResult(desired["kind"], meta["name"], "unchanged", live)
    previous = (live.get("metadata", {}).get("annotations") or {}).get(FINGERPRINT_ANNOTATION)
    action: Action = "drift-corrected" if previous == meta["annotations"][FINGERPRINT_ANNOTATION] else "updated"
    return ApplyResult(desired["kind"], meta["name"], action, kube.apply(desired), changed)
