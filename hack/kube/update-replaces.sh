#!/usr/bin/env bash
# Regenerates go.mod for a Kubernetes release: requires k8s.io/kubernetes at KUBE_VERSION and replaces every
# staging module its own go.mod lists at v0.0.0 with the matching v0.x release (klog, kube-openapi and utils
# are real versions there and are left alone). Usage: hack/kube/update-replaces.sh v1.37.2
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
kube=${1:?usage: $0 vX.Y.Z}
staging="v0.${kube#v1.}"
modfile=$(go mod download -json "k8s.io/kubernetes@$kube" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
printf 'module temps.sh/operator/hack/kube\n\ngo 1.26.0\n' > go.mod
for module in $(grep -E '^\s+k8s\.io/\S+ v0\.0\.0$' "$modfile" | awk '{print $1}' | sort -u); do
  go mod edit -replace="$module=$module@$staging"
done
go mod edit -require="k8s.io/kubernetes@$kube"
go mod tidy
echo "go.mod now builds Kubernetes $kube with $(grep -c '^replace' go.mod) staging modules at $staging"
