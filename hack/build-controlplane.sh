#!/usr/bin/env bash
# Builds the local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok)
# and helm from Go modules into a cache outside the repository. Idempotent: a component is rebuilt only
# when its go.mod, go.sum or sources change. Prints the directory holding the binaries.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${TEMPS_CONTROLPLANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/temps-operator/controlplane}
bin="$cache/bin"
mkdir -p "$bin"

# build MODULE_DIR PACKAGE...: builds the packages of one Go module into a directory keyed by its inputs.
build() {
  local module=$1; shift
  local key out
  key=$( (cd "$here/$module" && find . -name '*.go' -o -name 'go.mod' -o -name 'go.sum' | LC_ALL=C sort | xargs cat) \
         | sha256sum | cut -c1-16)
  out="$cache/$module-$key"
  if [[ ! -f "$out/.complete" ]]; then
    echo "building $module ($*) into $out" >&2
    rm -rf "$out.tmp" && mkdir -p "$out.tmp"
    (cd "$here/$module" && go build -trimpath -ldflags "-s -w" -o "$out.tmp/" "$@") >&2
    touch "$out.tmp/.complete"
    rm -rf "$out" && mv "$out.tmp" "$out"
  fi
  local f
  for f in "$out"/*; do ln -sfn "$f" "$bin/$(basename "$f")"; done
}

build etcd .
build kube ./cmd/kube-apiserver ./cmd/kube-controller-manager ./cmd/kube-scheduler
build kwok sigs.k8s.io/kwok/cmd/kwok
# kwok needs stage definitions (what "Ready" and "Running" mean); take the upstream ones from its module.
kwok_dir=$(cd "$here/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
stages="$cache/kwok-stages-$(basename "$kwok_dir")"
if [[ ! -f "$stages/.complete" ]]; then
  rm -rf "$stages" && mkdir -p "$stages"
  cp "$kwok_dir"/kustomize/stage/node/fast/node-initialize.yaml \
     "$kwok_dir"/kustomize/stage/node/heartbeat-with-lease/node-*.yaml \
     "$kwok_dir"/kustomize/stage/pod/fast/pod-*.yaml "$stages/"
  chmod u+w "$stages"/* && touch "$stages/.complete"
fi
ln -sfn "$stages" "$bin/kwok-stages"
build helm helm.sh/helm/v4/cmd/helm
echo "$bin"
