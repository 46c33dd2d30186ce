# syntax=docker/dockerfile:1
#
# Aurora in a container. Untested: no `docker build` has run it yet (the test machines have no
# Docker engine), so treat it as reviewed by reading.
#
#   docker build -t aurora .
#   docker run --rm -p 8080:8080 \
#     -e AURORA_MASTER_KEY=change-me -e OPENAI_API_KEY=sk-... \
#     -v "$PWD/aurora.config.ts:/app/aurora.config.ts:ro" \
#     -v aurora-data:/app/data \
#     aurora
#
# Without AURORA_MASTER_KEY the auth plugin keeps the gateway on 127.0.0.1 inside the container,
# where no published port reaches it: set the key.
# A config that imports files of its own (`./my-provider.ts`): mount its folder instead, e.g.
# `-v "$PWD/config:/app/config:ro" -e AURORA_CONFIG=/app/config/aurora.config.ts`. The folder must be
# writable by uid 1000 (node), because the config loader writes its temporary bundle beside the config
# file; or mount the config files one by one into /app, which is writable.

# ── build: all dependencies, TypeScript → dist/ ─────────────────────────────────────────────────
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (the build) needs the sources, which are not copied yet; this keeps
# the dependency layer cached across source changes. esbuild's own install step runs just below.
RUN npm ci --ignore-scripts && npm rebuild esbuild
COPY . .
RUN npm run build

# ── runtime: production dependencies and the built files only ──────────────────────────────────
FROM node:20-slim
ENV NODE_ENV=production \
    AURORA_HOST=0.0.0.0 \
    AURORA_PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
# esbuild is a production dependency: the config loader bundles aurora.config.ts at every start.
RUN npm ci --omit=dev --ignore-scripts && npm rebuild esbuild && npm cache clean --force
COPY --from=build /app/dist ./dist
# `node core` resolves core/package.json → dist/core/main.js; the loader finds the package root by
# package.json + core/, and resolves `aurora` in the config to dist/.
COPY --from=build /app/core/package.json ./core/package.json
# The repository's default config (it reads AURORA_HOST/AURORA_PORT and the provider keys from the
# environment); mount yours over /app/aurora.config.ts.
COPY aurora.config.ts ./
# /app itself writable for the config loader's temporary bundle; files stay root-owned (read-only
# for node). /app/data holds what plugins store (audit records, managed keys).
RUN chown node:node /app && mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.AURORA_PORT || 8080) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "core"]
