#!/usr/bin/env bash
# Smoke test of the local test cluster:
#  1. start scenario seed, show webhooks/namespaces/pods/tags, verify injection,
#     verify nothing listens beyond 127.0.0.1, stop, verify no child is left;
#  2. watchdog: start scenario none from a Node process, SIGKILL that process,
#     verify every child dies on its own.
# Usage: test/cluster/smoke.sh [--skip-watchdog]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ISTIO_REVISIONS_CACHE:-$HOME/.cache/istio-revisions}
BIN=$CACHE/bin
DIR=$(mktemp -d /tmp/istio-revisions-smoke.XXXXXX)
fail() { echo "SMOKE FAIL: $*" >&2; exit 1; }
stop() { node "$HERE/cluster.mjs" stop --dir "$DIR" || true; }
trap stop EXIT

# children of a cluster dir: the process groups recorded in state.json
groups_of() { node -e 'try{const s=require(process.argv[1]);console.log(Object.values(s.pids||{}).join(" "))}catch{}' "$1/state.json"; }
leftovers() { pgrep -a -f "^$BIN/(etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kwok|istiod-supervisor|pilot-discovery) .*$1" || true; }

echo "== start seed in $DIR"
t0=$(date +%s%N)
KUBECONFIG=$(node "$HERE/cluster.mjs" start --scenario seed --dir "$DIR")
echo "== seed ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms; kubeconfig $KUBECONFIG"
K=("$BIN/kubectl" --kubeconfig "$KUBECONFIG")

echo "== kubectl version"; "${K[@]}" version
echo "== kubectl get mutatingwebhookconfigurations,validatingwebhookconfigurations,ns --show-labels"
"${K[@]}" get mutatingwebhookconfigurations,validatingwebhookconfigurations,ns --show-labels
echo "== kubectl get pods -A -o wide"; "${K[@]}" get pods -A -o wide
echo "== istioctl tag list"; HOME=$DIR/home "$BIN/istioctl" tag list --kubeconfig "$KUBECONFIG"
echo "== contexts"
for ctx in istio-revisions-local local-certadmin local-readonly local-nsuser; do
  printf '%-24s %s\n' "$ctx" "$("${K[@]}" --context "$ctx" auth whoami -o jsonpath='{.status.userInfo.username} {.status.userInfo.groups}' 2>&1 | head -1)"
done

echo "== injection"
for ns in ns-a ns-b ns-c test-ns; do
  case $ns in ns-c) want=1-8-0 ;; *) want=1-7-6 ;; esac
  n=0
  while read -r name rev status image; do
    n=$((n + 1))
    [ "$rev" = "$want" ] || fail "$ns/$name istio.io/rev=$rev, want $want"
    case "$status" in *'"revision":"'"$want"'"'*) ;; *) fail "$ns/$name sidecar.istio.io/status=$status" ;; esac
    case "$image" in docker.io/istio/proxyv2:1.*) ;; *) fail "$ns/$name proxy image $image" ;; esac
    echo "  $ns/$name rev=$rev image=$image"
  done < <("${K[@]}" -n "$ns" get pods -o go-template='{{range .items}}{{.metadata.name}} {{index .metadata.annotations "istio.io/rev"}} {{index .metadata.annotations "sidecar.istio.io/status"}} {{range .spec.containers}}{{if eq .name "istio-proxy"}}{{.image}}{{end}}{{end}}{{"\n"}}{{end}}')
  [ "$n" -eq 3 ] || fail "$ns has $n pods, want 3"
done

echo "== listeners (must all be 127.0.0.1)"
pids=""
for g in $(groups_of "$DIR"); do pids="$pids $(pgrep -g "$g" | tr '\n' ' ')"; done
bad=0
for p in $pids; do
  while read -r line; do
    [ -z "$line" ] && continue
    addr=$(echo "$line" | awk '{print $4}')
    echo "  $addr $(echo "$line" | grep -o 'users:.*')"
    case "$addr" in 127.0.0.1:*|'[::ffff:127.0.0.1]':*) ;; *) bad=1 ;; esac
  done < <(ss -ltnpH | grep "pid=$p," || true)
done
[ "$bad" = 0 ] || fail "something listens beyond 127.0.0.1"

echo "== stop"
t0=$(date +%s%N)
node "$HERE/cluster.mjs" stop --dir "$DIR"
echo "   stopped in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
sleep 0.5
left=$(leftovers "$DIR")
[ -z "$left" ] || fail "processes left after stop: $left"
echo "   no child left"

if [ "${1:-}" != "--skip-watchdog" ]; then
  echo "== watchdog: SIGKILL the owning Node process"
  WDIR=$DIR/watchdog
  mkdir -p "$WDIR"
  node --input-type=module -e "
    const { startCluster } = await import('$HERE/cluster.mjs');
    await startCluster({ scenario: 'none', dir: '$WDIR' });
    console.log('up');
    setInterval(() => {}, 1000);
  " > "$WDIR/owner.out" 2>&1 &
  owner=$!
  for _ in $(seq 1 240); do grep -q '^up' "$WDIR/owner.out" 2>/dev/null && break; sleep 0.5; done
  grep -q '^up' "$WDIR/owner.out" || { cat "$WDIR/owner.out"; fail "cluster for watchdog test did not start"; }
  before=$(leftovers "$WDIR" | wc -l)
  echo "   $before children running; kill -9 $owner"
  kill -9 "$owner"
  for _ in $(seq 1 40); do [ -z "$(leftovers "$WDIR")" ] && break; sleep 0.25; done
  left=$(leftovers "$WDIR")
  [ -z "$left" ] || fail "children survived the owner's SIGKILL: $left"
  echo "   all children gone"
fi
echo "SMOKE OK"
