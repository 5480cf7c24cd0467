#!/usr/bin/env bash
# Regenerates go.mod of the Kubernetes module from the pinned k8s.io/kubernetes
# release: the replace block is taken from that release's own go.mod (every
# "=> ./staging/" line), mapped to the matching v0.X.Y of each staging module.
# It also pins etcd at the version k8s.io/apiserver requires and kwok, as go.mod
# tool directives, then runs go mod tidy (the istiod supervisor's imports are included).
# Usage: K8S_VERSION=v1.36.3 ./gen-gomod.sh   (then build.sh)
set -euo pipefail
cd "$(dirname "$0")"
K8S_VERSION=${K8S_VERSION:-v1.36.3}
STAGING_VERSION=v0.${K8S_VERSION#v1.}
CACHE=${ISTIO_REVISIONS_CACHE:-$HOME/.cache/istio-revisions}
export GOMODCACHE=$CACHE/gomod GOCACHE=$CACHE/gocache GOFLAGS=-mod=mod GOTOOLCHAIN=local
modfile=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
{
  echo "module istio-revisions/testcluster"
  echo
  grep -E '^go ' "$modfile"
  echo
  echo "require k8s.io/kubernetes $K8S_VERSION"
  echo
  echo "replace ("
  grep '=> ./staging/' "$modfile" | awk -v v="$STAGING_VERSION" '{print "\t" $1 " => " $1 " " v}'
  echo ")"
} > go.mod
rm -f go.sum
ETCD_VERSION=$(grep -E '^\s*go.etcd.io/etcd/server/v3 ' "$(go mod download -json "k8s.io/apiserver@$STAGING_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')" | awk '{print $2}')
KWOK_VERSION=${KWOK_VERSION:-v0.8.0}
go get -tool \
  "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" \
  "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION" "k8s.io/kubernetes/cmd/kubectl@$K8S_VERSION" \
  "go.etcd.io/etcd/server/v3@$ETCD_VERSION" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
go mod tidy
echo "go.mod regenerated for $K8S_VERSION (staging $STAGING_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION)"
echo "update K8S_VERSION/K8S_MINOR/ETCD_VERSION/KWOK_VERSION in build.sh to match"
