#!/usr/bin/env bash
# podman on the project's image storage (hack/image/env.sh), with this machine's runtime flags added
# to `run` and `create`. Tests call it; so can you: hack/image/podman.sh images
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
case "${1:-}" in
  run|create) cmd=$1; shift; exec podman --root "$PODMAN_ROOT" --runroot "$PODMAN_RUNROOT" --storage-driver overlay "$cmd" "${PODMAN_RUNTIME_FLAGS[@]}" "$@" ;;
  *) podman_ "$@" ;;
esac
