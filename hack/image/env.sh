# Sourced by hack/image/*.sh: where podman keeps the project's images and build cache, and the
# flags this machine's container runtime needs.
#
# - Storage lives in the project's test cache, so a clean clone reuses the built layers.
# - runc, not crun: crun refuses hybrid cgroup v1/v2 hosts ("cgroups in hybrid mode not supported").
# - Explicit ulimits: podman's defaults (nofile 1048576) are above this sandbox's hard limits.
CACHE="${MCP_GITOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-gitops}"
PODMAN_ROOT="$CACHE/containers/storage"
PODMAN_RUNROOT="${TMPDIR:-/tmp}/mcp-gitops-podman-run-$(id -u)"
PODMAN_RUNTIME_FLAGS=(--runtime runc --ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit "nproc=4096:4096")
podman_() { podman --root "$PODMAN_ROOT" --runroot "$PODMAN_RUNROOT" --storage-driver overlay "$@"; }
