# syntax=docker/dockerfile:1
# The mcp-gitops image: one CLI, three run modes (`proxy`, `operator`, `dev`); the manifests in
# manifests/ run `proxy` and `operator`.
#
#   docker build -t ghcr.io/mcp-gitops/mcp-gitops:0.1.0 .
#   docker run --rm ghcr.io/mcp-gitops/mcp-gitops:0.1.0 --help
#
# Production dependencies only, compiled JavaScript (dist/), non-root (uid/gid 10001, matching
# runAsUser in manifests/), no shell needed at run time, works with a read-only root filesystem
# (writes only to /tmp, an emptyDir in the manifests).
ARG NODE_IMAGE=node:24-slim

# --- build: type-check and compile src/ to dist/ with the dev dependencies (typescript) ---
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json

# --- production dependencies only ---
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime ---
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=0:0 /app/node_modules ./node_modules
COPY --from=build --chown=0:0 /src/dist ./dist
COPY --chown=0:0 package.json ./
COPY --chown=0:0 crds ./crds
# Files stay owned by root and read-only to the process; it runs as an unprivileged numeric user so
# Kubernetes can verify runAsNonRoot.
USER 10001:10001
EXPOSE 4444 4445 8080 8081
ENTRYPOINT ["node", "--enable-source-maps", "/app/dist/cli.js"]
CMD ["--help"]
