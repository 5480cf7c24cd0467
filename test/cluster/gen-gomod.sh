#!/usr/bin/env bash
# Regenerates go.mod of the Kubernetes module from the pinned k8s.io/kubernetes
# release: the replace block is taken from that release's own go.mod (every
# "=> ./staging/" line), mapped to the matching v0.X.Y of each staging module.
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
echo "go.mod regenerated for $K8S_VERSION (staging $STAGING_VERSION)"
