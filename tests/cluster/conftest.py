"""Fixtures for cluster tests: a real control plane (or $KUBECONFIG's cluster), the CRDs, the operator.

The control plane is built from Go modules by hack/build-controlplane.sh; a build failure fails the
session with the build error, so a cluster test never silently skips.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from temps_operator import envtest
from temps_operator.envtest import OperatorProcess
from temps_operator.kube import KubeClient

REPO = Path(__file__).resolve().parents[2]
KUBECTL = shutil.which("kubectl", path=str(Path(sys.executable).parent)) or "kubectl"
RESYNC_SECONDS = 2.0

pytestmark = pytest.mark.cluster


@dataclass
class Cluster:
    kubeconfig: Path
    operator_kubeconfig: Path
    audit_log: Path | None
    api: k8s.ApiClient

    def kubectl(self, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([KUBECTL, f"--kubeconfig={self.kubeconfig}", *args], capture_output=True, text=True,
                              input=input, timeout=120)
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {proc.stderr}")
        return proc

    def apply(self, *docs: dict[str, Any], check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.kubectl("apply", "-f", "-", input=yaml.safe_dump_all(docs), check=check)

    def operator_requests(self, since: float = 0.0) -> list[dict[str, Any]]:
        """Every completed API request of the operator's user since a time.time() instant (audit log)."""
        assert self.audit_log is not None, "request counting needs the local control plane's audit log"
        out = []
        for line in self.audit_log.read_text().splitlines():
            entry = json.loads(line)
            if entry.get("stage") != "ResponseComplete":
                continue
            stamp = _parse_time(entry["requestReceivedTimestamp"])
            if stamp >= since:
                out.append(entry)
        return out


def _parse_time(value: str) -> float:
    import datetime as dt

    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    existing = os.environ.get("KUBECONFIG")
    if existing:
        api = k8s_config.new_client_from_config(config_file=existing)  # type: ignore[no-untyped-call]
        yield Cluster(Path(existing), Path(existing), None, api)
        return
    with envtest.running(tmp_path_factory.mktemp("controlplane")) as plane:
        api = k8s_config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=str(plane.kubeconfig))
        cluster = Cluster(plane.kubeconfig, plane.operator_kubeconfig, plane.audit_log, api)
        cluster.kubectl("apply", "--server-side", "-f", str(REPO / "crds"))
        cluster.kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
        yield cluster


@pytest.fixture(scope="session")
def operator(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OperatorProcess]:
    """The operator for Direct-mode tests: it watches the tests' t-* namespaces and the demo's."""
    process = OperatorProcess(cluster.operator_kubeconfig, tmp_path_factory.mktemp("operator") / "operator.log",
                              ["t-*", "temps-demo"], "--resync-interval", str(RESYNC_SECONDS))
    try:
        yield process.start()
    finally:
        process.stop()


@pytest.fixture
def namespace(cluster: Cluster) -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:8]}"
    cluster.kubectl("create", "namespace", name)
    yield name
    cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


@pytest.fixture
def kube(cluster: Cluster) -> KubeClient:
    return KubeClient(cluster.api, "tests")


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2, what: str = "",
             describe: Callable[[], object] | None = None) -> Any:
    """Poll until ``predicate`` is truthy; on timeout, ``describe()`` says what was seen instead."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    seen = f"; last seen: {describe()}" if describe else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}{seen}")
