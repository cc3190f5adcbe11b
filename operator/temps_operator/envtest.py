"""A local Kubernetes control plane for the tests and the demo, in the spirit of controller-runtime's envtest.

It goes one step further than envtest: besides etcd and kube-apiserver it runs kube-controller-manager
(garbage collection, Deployments, ReplicaSets), kube-scheduler and kwok (a kubelet stand-in that keeps a
fake Node Ready and marks scheduled pods Running), so that ownerReferences and rollouts behave as on a
real cluster. The binaries come from ``hack/build-controlplane.sh``; nothing is downloaded at run time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO_ROOT / "hack" / "build-controlplane.sh"
NODE_NAME = "kwok-node-0"
OPERATOR_USER = "temps-operator"
# The API server audits every request of the operator's user, so that tests can count its API calls.
AUDIT_POLICY = json.dumps({
    "apiVersion": "audit.k8s.io/v1", "kind": "Policy", "omitStages": ["RequestReceived"],
    "rules": [{"level": "Metadata", "users": [OPERATOR_USER]}, {"level": "None"}],
})


class ControlPlaneError(RuntimeError):
    """The control plane could not be built or started; the message carries the logs' tails."""


def build_binaries() -> Path:
    """Build (or reuse from the cache) the control-plane binaries and return their directory."""
    proc = subprocess.run(["bash", str(BUILD_SCRIPT)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise ControlPlaneError(f"building the control plane failed:\n{proc.stderr[-8000:]}")
    if proc.stderr.strip():
        sys.stderr.write(proc.stderr)
    return Path(proc.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(workdir: Path) -> None:
    """A CA, an API-server serving certificate signed by it, and the service-account key pair."""
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=envtest-ca",
             "-keyout", "ca.key", "-out", "ca.crt", cwd=workdir)
    (workdir / "san.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,"
        "DNS:kubernetes.default.svc,IP:10.0.0.1\nextendedKeyUsage=serverAuth\n"
    )
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=kube-apiserver",
             "-keyout", "apiserver.key", "-out", "apiserver.csr", cwd=workdir)
    _openssl("x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", "2", "-extfile", "san.ext", "-out", "apiserver.crt", cwd=workdir)
    _openssl("genrsa", "-out", "sa.key", "2048", cwd=workdir)
    _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=workdir)


def kubeconfig_yaml(server: str, ca_file: Path, token: str) -> str:
    # JSON is YAML; no YAML library is needed for this module.
    return json.dumps({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "envtest", "cluster": {"server": server, "certificate-authority": str(ca_file)}}],
        "users": [{"name": "admin", "user": {"token": token}}],
        "contexts": [{"name": "envtest", "context": {"cluster": "envtest", "user": "admin"}}],
        "current-context": "envtest",
    }, indent=2)


@dataclass
class Component:
    name: str
    argv: list[str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)

    def tail(self, lines: int = 25) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class ControlPlane:
    """etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok on free loopback ports."""

    bin_dir: Path
    workdir: Path
    token: str = "envtest-admin-token"
    operator_token: str = "envtest-operator-token"
    components: list[Component] = field(default_factory=list)
    server: str = ""

    @property
    def kubeconfig(self) -> Path:
        return self.workdir / "kubeconfig"

    @property
    def operator_kubeconfig(self) -> Path:
        """Credentials of a separate user, so that the audit log tells the operator's requests apart."""
        return self.workdir / "operator-kubeconfig"

    @property
    def audit_log(self) -> Path:
        return self.workdir / "audit.log"

    @property
    def ca_file(self) -> Path:
        return self.workdir / "ca.crt"

    def start(self, timeout: float = 120.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        make_pki(self.workdir)
        (self.workdir / "tokens.csv").write_text(
            f'{self.token},admin,admin-uid,"system:masters"\n'
            f'{self.operator_token},{OPERATOR_USER},operator-uid,"system:masters"\n'
        )
        (self.workdir / "audit-policy.json").write_text(AUDIT_POLICY)
        etcd_port, etcd_peer, api_port = free_port(), free_port(), free_port()
        self.server = f"https://127.0.0.1:{api_port}"
        self.kubeconfig.write_text(kubeconfig_yaml(self.server, self.ca_file, self.token))
        self.operator_kubeconfig.write_text(kubeconfig_yaml(self.server, self.ca_file, self.operator_token))
        b, w = self.bin_dir, self.workdir
        self._start(Component("etcd", [
            str(b / "etcd"), f"--data-dir={w / 'etcd'}", "--unsafe-no-fsync",
            f"--listen-client-urls=http://127.0.0.1:{etcd_port}",
            f"--advertise-client-urls=http://127.0.0.1:{etcd_port}",
            f"--listen-peer-urls=http://127.0.0.1:{etcd_peer}",
            f"--initial-advertise-peer-urls=http://127.0.0.1:{etcd_peer}",
            f"--initial-cluster=default=http://127.0.0.1:{etcd_peer}",
            "--quota-backend-bytes=2147483648", "--log-level=warn",
        ], w / "etcd.log"))
        self._start(Component("kube-apiserver", [
            str(b / "kube-apiserver"), f"--etcd-servers=http://127.0.0.1:{etcd_port}",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={api_port}",
            f"--tls-cert-file={w / 'apiserver.crt'}", f"--tls-private-key-file={w / 'apiserver.key'}",
            f"--client-ca-file={w / 'ca.crt'}", f"--token-auth-file={w / 'tokens.csv'}",
            "--authorization-mode=RBAC", "--service-cluster-ip-range=10.0.0.0/24",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={w / 'sa.pub'}",
            f"--service-account-signing-key-file={w / 'sa.key'}",
            "--disable-admission-plugins=ServiceAccount", "--enable-priority-and-fairness=false",
            "--endpoint-reconciler-type=none",
            f"--audit-policy-file={w / 'audit-policy.json'}", f"--audit-log-path={self.audit_log}",
            "--audit-log-format=json", "--profiling=false", "--v=0",
        ], w / "kube-apiserver.log"))
        self._wait_ready(timeout)
        kubeconfig = str(self.kubeconfig)
        self._start(Component("kube-controller-manager", [
            str(b / "kube-controller-manager"), f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}", f"--authorization-kubeconfig={kubeconfig}",
            "--leader-elect=false", "--secure-port=0", "--controllers=*",
            f"--service-account-private-key-file={w / 'sa.key'}", f"--root-ca-file={w / 'ca.crt'}",
            "--concurrent-gc-syncs=5", "--node-monitor-grace-period=1h", "--v=0",
        ], w / "kube-controller-manager.log"))
        self._start(Component("kube-scheduler", [
            str(b / "kube-scheduler"), f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}", f"--authorization-kubeconfig={kubeconfig}",
            "--leader-elect=false", "--secure-port=0", "--v=0",
        ], w / "kube-scheduler.log"))
        stages = [f"--config={path}" for path in sorted((b / "kwok-stages").glob("*.yaml"))]
        self._start(Component("kwok", [
            str(b / "kwok"), f"--kubeconfig={kubeconfig}", "--manage-all-nodes=true", *stages,
            "--node-lease-duration-seconds=40",
            "--cidr=10.244.0.0/16", f"--server-address=127.0.0.1:{free_port()}",
        ], w / "kwok.log"))
        self._create_node()

    def _start(self, component: Component) -> None:
        self.components.append(component)
        component.start()

    def _request(self, path: str, method: str = "GET", body: dict[str, object] | None = None) -> dict[str, object]:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.server + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
        })
        with urllib.request.urlopen(req, context=context, timeout=5) as resp:
            raw = resp.read()
        return json.loads(raw) if raw.startswith(b"{") else {"text": raw.decode()}

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error = ""
        while time.monotonic() < deadline:
            for component in self.components:
                if component.process is not None and component.process.poll() is not None:
                    raise ControlPlaneError(f"{component.name} exited early\n{self.logs()}")
            try:
                self._request("/readyz")
                return
            except Exception as exc:  # noqa: BLE001 - any failure means "not yet"
                last_error = str(exc)
            time.sleep(0.2)
        raise ControlPlaneError(f"kube-apiserver not ready after {timeout}s ({last_error})\n{self.logs()}")

    def _create_node(self) -> None:
        """One fake node that kwok keeps Ready; big enough for every test's pods."""
        self._request("/api/v1/nodes", "POST", {
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": NODE_NAME, "labels": {"type": "kwok", "kubernetes.io/hostname": NODE_NAME},
                         "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"}},
            "status": {"allocatable": {"cpu": "64", "memory": "256Gi", "pods": "500"},
                       "capacity": {"cpu": "64", "memory": "256Gi", "pods": "500"}},
        })

    def logs(self) -> str:
        return "\n".join(f"--- {c.name} (tail of {c.log}) ---\n{c.tail()}" for c in self.components)

    def stop(self) -> None:
        for component in reversed(self.components):
            component.stop()
        self.components.clear()

    def pids(self) -> dict[str, int]:
        return {c.name: c.process.pid for c in self.components if c.process is not None}


class OperatorProcess:
    """``temps-operator run`` as users run it, in its own process, for the tests, the demo and benchmarks."""

    def __init__(self, kubeconfig: Path, log: Path, namespaces: list[str], *extra: str) -> None:
        self.kubeconfig, self.log, self.namespaces, self.extra = kubeconfig, log, namespaces, extra
        self.health, self.metrics_port = free_port(), free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> OperatorProcess:
        env = {**os.environ, "KUBECONFIG": str(self.kubeconfig)}
        args = [str(Path(sys.executable).parent / "temps-operator"), "run", "--health-port", str(self.health),
                "--metrics-port", str(self.metrics_port), "--log-level", "DEBUG",
                *(f"--namespace={ns}" for ns in self.namespaces), *self.extra]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while not self._healthy():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise ControlPlaneError(f"the operator did not become live:\n{self.read_log()[-3000:]}")
            time.sleep(0.2)
        return self

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.health}/healthz", timeout=2) as resp:
                return bool(resp.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        """SIGKILL: the operator dies wherever it is, as on a node failure."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def metrics(self) -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5) as resp:
            return str(resp.read().decode())

    def read_log(self) -> str:
        return self.log.read_text(errors="replace")

    def rss_mib(self) -> float:
        """Resident memory of the operator process."""
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0


@contextlib.contextmanager
def running(workdir: Path | None = None, keep: bool = False) -> Iterator[ControlPlane]:
    """Build the binaries if needed, start the control plane, and tear it down by PID on exit."""
    bin_dir = build_binaries()
    owned = workdir is None
    workdir = workdir or Path(tempfile.mkdtemp(prefix="temps-envtest-"))
    plane = ControlPlane(bin_dir=bin_dir, workdir=workdir)
    try:
        plane.start()
        yield plane
    except BaseException:
        sys.stderr.write(plane.logs() + "\n")
        raise
    finally:
        plane.stop()
        if owned and not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m temps_operator.envtest up DIR``: start and keep running until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="build or reuse the binaries and print their directory")
    up = sub.add_parser("up", help="start the control plane; writes DIR/kubeconfig; stops on SIGINT/SIGTERM")
    up.add_argument("workdir", type=Path)
    args = parser.parse_args(argv)
    if args.command == "build":
        print(build_binaries())
        return 0
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with running(args.workdir) as plane:
        (args.workdir / "pids.json").write_text(json.dumps(plane.pids()))
        print(f"control plane ready; KUBECONFIG={plane.kubeconfig}", flush=True)
        while not stop:
            time.sleep(0.5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
