"""Reconcile benchmark: time to Ready, API requests per reconcile, Temps calls per sync, operator memory.

Runs the operator as users do (``temps-operator run``) against the local control plane, and for Temps mode
against the fake Temps server of the tests. Prints figures; asserts nothing. Run with ``hack/bench.sh``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from tests.faketemps import FakeTemps

from temps_operator import envtest
from temps_operator.envtest import OperatorProcess

REPO = Path(__file__).resolve().parents[1]
KUBECTL = str(Path(sys.executable).parent / "kubectl")
WRITES = {"create", "update", "patch", "delete"}
TOKEN = "tk_benchmark_token"


def kubectl(kubeconfig: Path, *args: str, stdin: str | None = None) -> str:
    return subprocess.run([KUBECTL, f"--kubeconfig={kubeconfig}", *args], input=stdin, text=True,
                          capture_output=True, check=True).stdout


def apply(kubeconfig: Path, docs: list[dict[str, Any]]) -> None:
    kubectl(kubeconfig, "apply", "-f", "-", stdin=yaml.safe_dump_all(docs))


def audit(plane: envtest.ControlPlane, since: float, namespace: str) -> list[dict[str, Any]]:
    out = []
    for line in plane.audit_log.read_text().splitlines():
        entry = json.loads(line)
        stamp = dt.datetime.fromisoformat(entry["requestReceivedTimestamp"].replace("Z", "+00:00")).timestamp()
        if entry.get("stage") == "ResponseComplete" and stamp >= since \
                and entry.get("objectRef", {}).get("namespace") == namespace:
            out.append(entry)
    return out


def ready_times(plane: envtest.ControlPlane, namespace: str, names: list[str], started: float,
                timeout: float = 300) -> dict[str, float]:
    done: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while len(done) < len(names) and time.monotonic() < deadline:
        items = json.loads(kubectl(plane.kubeconfig, "-n", namespace, "get", "tempsenvironments", "-o", "json"))
        for item in items["items"]:
            name = item["metadata"]["name"]
            conditions = {c["type"]: c for c in item.get("status", {}).get("conditions", [])}
            if name not in done and conditions.get("Ready", {}).get("status") == "True":
                done[name] = time.monotonic() - started
        time.sleep(0.1)
    return done


def project(namespace: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "temps.sh/v1alpha1", "kind": "TempsProject",
            "metadata": {"name": "app", "namespace": namespace}, "spec": spec}


def environment(namespace: str, name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "temps.sh/v1alpha1", "kind": "TempsEnvironment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"projectRef": {"name": "app"}, "replicas": 2, **spec}}


def bench_direct(plane: envtest.ControlPlane, count: int, resync: float) -> None:
    namespace = "bench-direct"
    kubectl(plane.kubeconfig, "create", "namespace", namespace)
    apply(plane.kubeconfig, [project(namespace, image="registry.example/app:1", defaults={"port": 8080})])
    names = [f"env-{i}" for i in range(count)]
    started_wall, started = time.time(), time.monotonic()
    apply(plane.kubeconfig, [environment(namespace, n, domains=[{"name": f"{n}.example.com"}]) for n in names])
    times = ready_times(plane, namespace, names, started)
    time.sleep(1)
    first = audit(plane, started_wall, namespace)
    idle_from = time.time()
    time.sleep(resync * 2)
    idle = audit(plane, idle_from, namespace)
    print(f"Direct mode, {count} environments (2 replicas, 1 domain each):")
    if times:
        values = sorted(times.values())
        print(f"  time to Ready: p50 {statistics.median(values):.2f} s, max {values[-1]:.2f} s, "
              f"all {len(values)}/{count} in {values[-1]:.2f} s ({len(values) / values[-1]:.1f} envs/s)")
    verbs = Counter(e["verb"] for e in first)
    print(f"  operator API requests until all Ready: {len(first)} ({len(first) / count:.1f} per environment; "
          f"{dict(verbs)}), including rollout-driven status updates")
    print(f"  idle: {len(idle) / count / 2:.1f} requests per environment per resync, "
          f"{sum(1 for e in idle if e['verb'] in WRITES)} writes")


def bench_temps(plane: envtest.ControlPlane, resync: float) -> None:
    namespace = "bench-temps"
    with FakeTemps(token=TOKEN) as fake:
        kubectl(plane.kubeconfig, "create", "namespace", namespace)
        kubectl(plane.kubeconfig, "-n", namespace, "create", "secret", "generic", "temps-token",
                f"--from-literal=token={TOKEN}")
        apply(plane.kubeconfig, [{"apiVersion": "temps.sh/v1alpha1", "kind": "TempsConnection",
                                  "metadata": {"name": "bench"},
                                  "spec": {"url": fake.url, "tokenSecretRef": {"namespace": namespace,
                                                                               "name": "temps-token"}}}])
        started = time.monotonic()
        apply(plane.kubeconfig, [
            project(namespace, connectionRef={"name": "bench"}, git={"repository": "https://git.example.com/a.git"}),
            environment(namespace, "production", image="registry.example/app:1", env=[{"name": "A", "value": "1"}],
                        domains=[{"name": "bench.example.com", "primary": True}]),
            environment(namespace, "staging", image="registry.example/app:2"),
        ])
        times = ready_times(plane, namespace, ["production", "staging"], started)
        time.sleep(1)
        first = len(fake.calls)
        methods = Counter(c.method for c in fake.calls)
        idle_start = len(fake.calls)
        mutating = len(fake.mutating_calls())
        time.sleep(resync * 2)
        idle_calls = fake.calls[idle_start:]
        print("Temps mode, a project with two environments:")
        print(f"  time to Ready: {max(times.values()) if times else float('nan'):.2f} s")
        print(f"  Temps calls for the first sync (connection probe included): {first} ({dict(methods)})")
        print(f"  idle: {len(idle_calls) / 2:.1f} Temps calls per resync, "
              f"{len(fake.mutating_calls()) - mutating} mutating")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--environments", type=int, default=20)
    parser.add_argument("--resync", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="temps-bench-") as tmp, envtest.running(Path(tmp) / "cp") as plane:
        kubectl(plane.kubeconfig, "apply", "--server-side", "-f", str(REPO / "crds"))
        kubectl(plane.kubeconfig, "wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
        operator = OperatorProcess(plane.operator_kubeconfig, Path(tmp) / "operator.log", ["bench-*"],
                                   "--resync-interval", str(args.resync), "--log-level", "INFO").start()
        try:
            bench_direct(plane, args.environments, args.resync)
            bench_temps(plane, args.resync)
            print(f"Operator RSS after both: {operator.rss_mib():.0f} MiB")
        finally:
            operator.stop()


if __name__ == "__main__":
    main()
