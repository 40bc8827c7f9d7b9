#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, kubectl, etcd) from published Go modules and prints
# the directory holding them (KUBEBUILDER_ASSETS layout) as the LAST line of stdout.
#
#   export KUBEBUILDER_ASSETS="$(hack/build-control-plane.sh | tail -n1)"
#
# * KUBEBUILDER_ASSETS set by the user wins: the script only prints it (nothing is built).
# * Otherwise the binaries go to
#     ${MCP_GITOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-gitops}/kubebuilder-assets/<k8s-version>/
#   and an existing build is reused when all three binaries run `--version` and were built from the
#   same pins (a stamp file records them).
# * Sources: the wrapper modules under hack/control-plane/ (go.mod + go.sum committed). Go's default
#   module and build caches are used, so a rebuild after a pin bump only recompiles what changed.
# * FORCE_CONTROL_PLANE_BUILD=1 rebuilds even if a usable build exists.
# See docs/test-control-plane.md.
set -euo pipefail

# Pins: must match hack/control-plane/kubernetes/go.mod and hack/control-plane/etcd/go.mod (checked below).
KUBERNETES_VERSION=v1.35.4 # k8s.io/kubernetes; staging modules k8s.io/* are replaced with v0.35.4
ETCD_VERSION=v3.6.16       # go.etcd.io/etcd/server/v3

log() { printf '[build-control-plane] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [ -n "${KUBEBUILDER_ASSETS:-}" ]; then
  for b in kube-apiserver etcd kubectl; do
    [ -x "$KUBEBUILDER_ASSETS/$b" ] || log "warning: KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable $b"
  done
  log "using KUBEBUILDER_ASSETS from the environment (nothing built)"
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODDIR="$ROOT/hack/control-plane"
CACHE="${MCP_GITOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-gitops}"
OUT="$CACHE/kubebuilder-assets/${KUBERNETES_VERSION#v}"

# The pins in this script and in the wrapper modules must agree.
k8s_minor_patch="${KUBERNETES_VERSION#v1.}" # 35.4
grep -qE "^(require |[[:space:]])k8s\.io/kubernetes $KUBERNETES_VERSION( // indirect)?\$" "$MODDIR/kubernetes/go.mod" \
  || die "hack/control-plane/kubernetes/go.mod does not require k8s.io/kubernetes $KUBERNETES_VERSION"
if grep -E '^[[:space:]]k8s\.io/[a-z0-9-]+ => k8s\.io/[a-z0-9-]+ ' "$MODDIR/kubernetes/go.mod" | grep -vq " v0\.$k8s_minor_patch\$"; then
  die "hack/control-plane/kubernetes/go.mod replaces a staging module with a version other than v0.$k8s_minor_patch"
fi
grep -qE "^(require |[[:space:]])go\.etcd\.io/etcd/server/v3 $ETCD_VERSION( // indirect)?\$" "$MODDIR/etcd/go.mod" \
  || die "hack/control-plane/etcd/go.mod does not require go.etcd.io/etcd/server/v3 $ETCD_VERSION"

command -v go >/dev/null || die "go is not on PATH (Go >= 1.26 is needed: etcd $ETCD_VERSION requires it)"
# Never switch toolchains behind the user's back unless they ask (GOTOOLCHAIN=auto in the environment).
export GOTOOLCHAIN="${GOTOOLCHAIN_CONTROL_PLANE:-local}"
export CGO_ENABLED=0
# Keep Go's default GOCACHE/GOMODCACHE (fast rebuilds); only make module resolution strict.
export GOFLAGS="${GOFLAGS:-} -mod=readonly -buildvcs=false"

stamp_text() {
  printf 'kubernetes=%s\netcd=%s\ngo=%s\nkube-go.sum=%s\netcd-go.sum=%s\n' \
    "$KUBERNETES_VERSION" "$ETCD_VERSION" "$(go env GOVERSION)" \
    "$(sha256sum "$MODDIR/kubernetes/go.sum" | cut -c1-16)" "$(sha256sum "$MODDIR/etcd/go.sum" | cut -c1-16)"
}

usable() { # $1 = dir
  local d="$1"
  [ -x "$d/kube-apiserver" ] && [ -x "$d/kubectl" ] && [ -x "$d/etcd" ] || return 1
  [ -f "$d/.stamp" ] && [ "$(cat "$d/.stamp")" = "$(stamp_text)" ] || return 1
  "$d/kube-apiserver" --version >/dev/null 2>&1 || return 1
  "$d/kubectl" version --client >/dev/null 2>&1 || return 1
  "$d/etcd" --version >/dev/null 2>&1 || return 1
}

mkdir -p "$CACHE/kubebuilder-assets"
# One build at a time per cache (parallel CI steps / test workers).
exec 9>"$CACHE/kubebuilder-assets/.build.lock"
if command -v flock >/dev/null; then flock 9; fi

if [ -z "${FORCE_CONTROL_PLANE_BUILD:-}" ] && usable "$OUT"; then
  log "reusing $OUT"
  echo "$OUT"
  exit 0
fi

log "building kube-apiserver + kubectl $KUBERNETES_VERSION and etcd $ETCD_VERSION with $(go env GOVERSION) (cold: ~4 min on 2 cores with an empty Go cache)"
TMP="$(mktemp -d "$CACHE/kubebuilder-assets/.build.XXXXXX")"
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT
start=$SECONDS

# Version info, as Kubernetes' hack/lib/version.sh sets it (kube-apiserver derives its binary/emulation
# version from gitVersion; without it the binaries report v0.0.0-master).
build_date="$(cd "$MODDIR/kubernetes" && go list -m -f '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes)"
k8s_ld="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  k8s_ld+=" -X $pkg.gitVersion=$KUBERNETES_VERSION"
  k8s_ld+=" -X $pkg.gitMajor=1"
  k8s_ld+=" -X $pkg.gitMinor=${k8s_minor_patch%%.*}"
  k8s_ld+=" -X $pkg.gitTreeState=clean"
  [ -z "$build_date" ] || k8s_ld+=" -X $pkg.buildDate=$build_date"
done

t0=$SECONDS
(cd "$MODDIR/kubernetes" && go build -trimpath -ldflags="$k8s_ld" -o "$TMP/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl) >&2
log "kube-apiserver + kubectl built in $((SECONDS - t0))s"

t0=$SECONDS
(cd "$MODDIR/etcd" && go build -trimpath \
  -ldflags="-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_VERSION" -o "$TMP/etcd" .) >&2
log "etcd built in $((SECONDS - t0))s"

stamp_text >"$TMP/.stamp"
usable "$TMP" || die "the freshly built binaries do not run --version (see $TMP)"
rm -rf "$OUT.old"
[ ! -e "$OUT" ] || mv "$OUT" "$OUT.old"
mv "$TMP" "$OUT"
rm -rf "$OUT.old"
trap - EXIT
log "built $OUT in $((SECONDS - start))s:"
"$OUT/kube-apiserver" --version >&2
"$OUT/kubectl" version --client >&2
"$OUT/etcd" --version >&2 # all of it: `| head -1` would SIGPIPE etcd and, under pipefail, fail a cold build
echo "$OUT"
