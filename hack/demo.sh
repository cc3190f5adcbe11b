#!/usr/bin/env bash
# The demo: set up, start the local control plane, install the CRDs, run the operator, apply examples/,
# wait until every environment is Ready, print `kubectl get temps -A`, and keep running until Ctrl-C.
# With --exit it stops everything after printing instead (what CI-like checks want).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
keep_running=1
[[ "${1:-}" == "--exit" ]] && keep_running=0

bash hack/setup.sh
workdir=${TEMPS_DEMO_DIR:-$PWD/.demo}
rm -rf "$workdir" && mkdir -p "$workdir"
kubectl=.venv/bin/kubectl
export KUBECONFIG="$workdir/kubeconfig"

.venv/bin/python -m temps_operator.envtest up "$workdir" >"$workdir/controlplane.out" 2>&1 &
plane_pid=$!
operator_pid=
cleanup() {
  [[ -n "$operator_pid" ]] && kill "$operator_pid" 2>/dev/null && wait "$operator_pid" 2>/dev/null
  kill "$plane_pid" 2>/dev/null && wait "$plane_pid" 2>/dev/null
  echo "stopped"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

for _ in $(seq 1 300); do
  grep -q "control plane ready" "$workdir/controlplane.out" 2>/dev/null && break
  kill -0 "$plane_pid" 2>/dev/null || { cat "$workdir/controlplane.out" >&2; exit 1; }
  sleep 0.2
done
echo "control plane up (logs in $workdir)"

$kubectl apply --server-side -f crds/ >/dev/null
$kubectl wait --for=condition=Established crd --all --timeout=60s >/dev/null

KUBECONFIG="$workdir/operator-kubeconfig" .venv/bin/temps-operator run --resync-interval 30 \
  --health-port 0 --metrics-port 0 >"$workdir/operator.log" 2>&1 &
operator_pid=$!
echo "operator running (log: $workdir/operator.log)"

$kubectl apply -f examples/
$kubectl wait --for=condition=Ready tempsprojects,tempsenvironments --all -n temps-demo --timeout=120s
echo
$kubectl get temps -A
echo
if (( keep_running )); then
  echo "Running. In another shell: export KUBECONFIG=$KUBECONFIG; then e.g. $kubectl get temps -A"
  echo "Press Ctrl-C to stop."
  wait "$operator_pid"
fi
