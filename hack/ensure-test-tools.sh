#!/usr/bin/env bash
# Debian packages the tests drive as real parts: Lua interpreters (Argo CD health scripts), Chromium
# (the connections page), podman with runc (the container image: hack/image/), Python with venv
# (upstreams on the Python mcp package). Installed once; a no-op when present.
set -euo pipefail
need=()
command -v lua5.4 >/dev/null || need+=(lua5.4)
command -v lua5.1 >/dev/null || need+=(lua5.1)   # Argo CD runs health scripts on Lua 5.1
command -v chromium >/dev/null || need+=(chromium)
command -v openssl >/dev/null || need+=(openssl)
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)      # hack/image/env.sh: crun refuses hybrid cgroup hosts
command -v strip >/dev/null || need+=(binutils) # hack/image/build-base.sh strips node's debug info
# Python with venv: the upstreams on the Python mcp package (hack/build-test-upstreams.sh).
command -v python3 >/dev/null || need+=(python3)
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing test tools: ${need[*]} (install them with apt-get)" >&2; exit 1
  fi
fi
