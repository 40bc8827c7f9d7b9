# syntax=docker/dockerfile:1
# The mcp-gitops image: one CLI, three run modes (`proxy`, `operator`, `validate`, …); the manifests
# in manifests/ run `proxy` and `operator`.
#
#   docker build -t ghcr.io/mcp-gitops/mcp-gitops:0.1.0 .
#   docker run --rm ghcr.io/mcp-gitops/mcp-gitops:0.1.0 --help
#
# Contents: Node.js and the bundled, tree-shaken CLI dist/cli.js (esbuild, split by command into chunks)
# with source maps, the CRDs, and an SBOM of the npm packages in the bundle. No node_modules, no dev dependencies, no sources, no tests.
# Runs as the unprivileged numeric user 10001 (runAsUser in manifests/), needs no shell, and works on
# a read-only root filesystem (it writes only to /tmp, an emptyDir in the manifests).
#
# Build arguments:
#   NODE_IMAGE     the build stage's base: Node.js 24, npm and a /bin/sh (default node:24-slim)
#   RUNTIME_IMAGE  the runtime base: Node.js 24 at /usr/local/bin/node (default node:24-slim)
#   NODE_EXTRA_CA_CERTS  a CA file for npm behind a TLS-inspecting proxy (mount it into the build)
# hack/image/build.sh builds both bases locally from Debian's packages and the npm registry, where
# the public images cannot be pulled (docs/install.md, "Image").
ARG NODE_IMAGE=node:24-slim
ARG RUNTIME_IMAGE=node:24-slim

# --- build: install the locked dependencies, bundle src/cli.ts, record what went into the bundle ---
FROM ${NODE_IMAGE} AS build
ARG NODE_EXTRA_CA_CERTS
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY hack/image/bundle-sbom.mjs ./hack/image/
RUN npm run --silent build:bundle -- --metafile=/tmp/bundle-meta.json \
 && node hack/image/bundle-sbom.mjs /tmp/bundle-meta.json > dist/sbom.npm.cdx.json

# --- runtime ---
FROM ${RUNTIME_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=0:0 /src/dist ./dist
COPY --chown=0:0 package.json ./
COPY --chown=0:0 crds ./crds
# Files stay owned by root and read-only to the process; it runs as an unprivileged numeric user so
# Kubernetes can verify runAsNonRoot.
USER 10001:10001
EXPOSE 4444 4445 8080 8081
# No --enable-source-maps: node would parse and keep the maps of every chunk it loads (+24 MiB RSS for
# the operator, +35 MiB for the proxy, docs/install.md "Image"); NODE_OPTIONS=--enable-source-maps
# turns them on while debugging.
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["--help"]
