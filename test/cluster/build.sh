#!/usr/bin/env bash
# Builds the local test cluster's binaries from the Go module proxy into
# $CACHE/bin (CACHE=${ISTIO_REVISIONS_CACHE:-$HOME/.cache/istio-revisions}).
# Idempotent: a binary is rebuilt only when it is missing or its stamp file
# ($CACHE/bin/.<name>.stamp: pinned version + ldflags + go.mod/go.sum/source hash) differs.
# Usage: test/cluster/build.sh [name ...]   (default: all)
#   names: etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok istiod-supervisor istioctl pilot-discovery helm
#   istioctl, pilot-discovery and helm are built together (one `go build`, they share most packages); naming one builds all three.
# Env: BUILD_P (go build -p, default 2), FORCE=1 (rebuild all given names)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ISTIO_REVISIONS_CACHE:-$HOME/.cache/istio-revisions}
BIN=$CACHE/bin
mkdir -p "$BIN" "$CACHE/gomod" "$CACHE/gocache" "$CACHE/tmp"
export GOMODCACHE=$CACHE/gomod GOCACHE=$CACHE/gocache GOTMPDIR=$CACHE/tmp
export GOFLAGS= GOTOOLCHAIN=local GO111MODULE=on CGO_ENABLED=0
export PATH=/usr/local/go/bin:$PATH
P=${BUILD_P:-2}

K8S_VERSION=v1.36.3
K8S_MINOR=36
ETCD_VERSION=v3.6.8
KWOK_VERSION=v0.8.0
ISTIO_VERSION=$(sed -n 's/^ISTIO_RELEASE=//p' "$HERE/istioctl/VERSION" 2>/dev/null || echo unknown)
ISTIO_PSEUDO=$(sed -n 's/^ISTIO_PSEUDO=//p' "$HERE/istioctl/VERSION" 2>/dev/null || echo unknown)
HELM_VERSION=$(sed -n 's/^[[:space:]]*helm.sh\/helm\/v4 \(v[^ ]*\).*/\1/p' "$HERE/istioctl/go.mod" 2>/dev/null || echo unknown)

K8S_LDFLAGS="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$K8S_MINOR -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$K8S_MINOR"

hashof() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }
# Pinned binaries are stamped with their version (+ ldflags + Go version);
# go.mod/go.sum are derived from those pins by gen-gomod.sh.
MAIN_HASH=pinned

# name|module dir|package|version|ldflags|extra hash
targets() {
  echo "etcd|$HERE|go.etcd.io/etcd/server/v3|$ETCD_VERSION|-s -w|$MAIN_HASH"
  for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    echo "$c|$HERE|k8s.io/kubernetes/cmd/$c|$K8S_VERSION|$K8S_LDFLAGS|$MAIN_HASH"
  done
  echo "kwok|$HERE|sigs.k8s.io/kwok/cmd/kwok|$KWOK_VERSION|-s -w|$MAIN_HASH"
  echo "istiod-supervisor|$HERE|./istiod-supervisor|local|-s -w|$(hashof "$HERE/go.sum" "$HERE"/istiod-supervisor/*.go)"
  # istioctl + pilot-discovery (istiod) from the same pinned istio.io/istio, and helm at the
  # version that istio module requires (helm.sh/helm/v4, the library istioctl renders charts with): one build.
  echo "istioctl,pilot-discovery,helm|$HERE/istioctl|istio.io/istio/istioctl/cmd/istioctl istio.io/istio/pilot/cmd/pilot-discovery helm.sh/helm/v4/cmd/helm|$ISTIO_VERSION@$ISTIO_PSEUDO+helm@$HELM_VERSION|-s -w -X istio.io/istio/pkg/version.buildVersion=$ISTIO_VERSION -X istio.io/istio/pkg/version.buildStatus=Clean -X istio.io/istio/pkg/version.buildTag=$ISTIO_VERSION -X helm.sh/helm/v4/internal/version.version=$HELM_VERSION|$(hashof "$HERE/istioctl/go.sum")"
}

want=("$@")
selected() {
  [ ${#want[@]} -eq 0 ] && return 0
  local n m; for n in "${want[@]}"; do for m in ${1//,/ }; do [ "$n" = "$m" ] && return 0; done; done; return 1
}

total_start=$(date +%s)
built=0
while IFS='|' read -r name dir pkg version ldflags extra; do
  selected "$name" || continue
  stamp="$pkg $version $ldflags $extra $(go env GOVERSION)"
  names=(${name//,/ })
  uptodate=1
  for n in "${names[@]}"; do
    stampfile=$BIN/.$n.stamp
    if [ -n "${FORCE:-}" ] || [ ! -x "$BIN/$n" ] || [ ! -f "$stampfile" ] || [ "$(cat "$stampfile")" != "$stamp" ]; then uptodate=0; fi
  done
  if [ $uptodate = 1 ]; then
    echo "[build] ${names[*]}: up to date ($version)"
    continue
  fi
  echo "[build] ${names[*]}: building $pkg ($version) ..."
  t0=$(date +%s)
  if [ ${#names[@]} = 1 ]; then
    (cd "$dir" && go build -p "$P" -trimpath -buildvcs=false -ldflags "$ldflags" -o "$BIN/$name.tmp" "$pkg")
    mv -f "$BIN/$name.tmp" "$BIN/$name"
  else
    # several main packages in one `go build -o <dir>/`: each binary is named after its package's last element
    out=$BIN/.out-${names[0]}
    rm -rf "$out"; mkdir -p "$out"
    # shellcheck disable=SC2086 # $pkg names several packages
    (cd "$dir" && go build -p "$P" -trimpath -buildvcs=false -ldflags "$ldflags" -o "$out/" $pkg)
    for n in "${names[@]}"; do mv -f "$out/$n" "$BIN/$n"; done
    rm -rf "$out"
  fi
  for n in "${names[@]}"; do printf '%s' "$stamp" > "$BIN/.$n.stamp"; done
  echo "[build] ${names[*]}: done in $(( $(date +%s) - t0 ))s"
  built=$((built + 1))
done < <(targets)
# kwok's "fast" stages (node initialize + heartbeat with lease, pod ready/complete/delete),
# taken from the pinned kwok module, for `kwok --config`.
STAGES=$CACHE/share/kwok-stages-$KWOK_VERSION.yaml
if [ ! -s "$STAGES" ] && selected kwok; then
  mkdir -p "$CACHE/share"
  kdir=$(cd "$HERE" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    echo "---"; cat "$kdir/kustomize/stage/$f"
  done > "$STAGES.tmp"
  mv "$STAGES.tmp" "$STAGES"
  echo "[build] kwok stages: $STAGES"
fi
# The Gateway API CRDs (standard channel) of the gateway-api version the pinned istio uses,
# for scenarios with Gateway API gateways and waypoints (ambient).
if selected istioctl; then
  gwv=$(cd "$HERE/istioctl" && go list -m -f '{{.Version}}' sigs.k8s.io/gateway-api)
  GWAPI=$CACHE/share/gateway-api-$gwv
  if [ ! -s "$GWAPI/gateway.networking.k8s.io_gateways.yaml" ]; then
    gdir=$(cd "$HERE/istioctl" && go mod download -json sigs.k8s.io/gateway-api@"$gwv" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
    mkdir -p "$GWAPI.tmp"
    cp "$gdir"/config/crd/standard/gateway.networking.k8s.io_*.yaml "$GWAPI.tmp/"
    chmod u+w "$GWAPI.tmp"/*.yaml
    rm -rf "$GWAPI"; mv "$GWAPI.tmp" "$GWAPI"
    echo "[build] Gateway API CRDs: $GWAPI"
  fi
  ln -sfn "$GWAPI" "$CACHE/share/gateway-api"
  # The Helm charts of the pinned istio module (base, istio-control/istio-discovery, gateway, ...),
  # for the `helm` scenario: the charts istioctl itself renders.
  idir=$(cd "$HERE/istioctl" && go list -m -f '{{.Dir}}' istio.io/istio)
  ln -sfn "$idir/manifests/charts" "$CACHE/share/istio-charts"
fi
echo "[build] finished: $built built in $(( $(date +%s) - total_start ))s; cache: $(du -sh "$CACHE" 2>/dev/null | cut -f1)"
