# syntax=docker/dockerfile:1
# The MCP++ relay (default target) and the headless Node worker (target "worker").
#   docker build -t mcpp-relay .
#   docker build --target worker -t mcpp-worker .
#   docker build --build-arg WITH_FFMPEG=true -t mcpp-relay .   # the media tools need ffmpeg
# See README "Deploy". Node 22.16 or newer is required (package.json engines):
# node:sqlite for the stores, and type stripping for the worker's TypeScript sources.
ARG NODE_MAJOR=22

# Build: every dependency (TypeScript, Vite), the compiled relay and the pages, then
# the development dependencies pruned. The full image has python3, make and g++ for
# hnswlib-node, the one native addon built from source; @duckdb/node-api ships glibc
# binaries, so the runtime image is Debian (slim), not Alpine.
FROM node:${NODE_MAJOR}-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# What both images run on: production dependencies only, owned by root and read-only
# to the process, which runs as the image's unprivileged "node" user (uid 1000).
FROM node:${NODE_MAJOR}-bookworm-slim AS runtime
ARG WITH_FFMPEG=false
RUN if [ "$WITH_FFMPEG" = "true" ]; then \
      apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*; \
    fi
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
RUN mkdir -p /data && chown node:node /data

# The Node worker runs from its TypeScript sources (as `npm run worker` does).
FROM runtime AS worker
COPY --from=build /app/shared ./shared
COPY --from=build /app/worker ./worker
USER node
ENTRYPOINT ["node", "--disable-warning=ExperimentalWarning", "worker/node/main.ts"]

# The relay: what `npm start` runs, without its prestart build (the image holds the
# build). The node flags and MALLOC_ARENA_MAX are package.json's "start" script
# (tests/deploy-docker.test.ts); the README's "Memory" section says why the arenas.
FROM runtime AS relay
COPY --from=build /app/dist ./dist
ENV MCPP_HOST=0.0.0.0 \
    MCPP_PORT=8000 \
    MCPP_P2P_PORT=8001 \
    MCPP_DATA_DIR=/data \
    MALLOC_ARENA_MAX=2
VOLUME ["/data"]
EXPOSE 8000 8001
USER node
# Liveness only: /readyz (stores open, libp2p listening) is for orchestrators' readiness.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.MCPP_PORT||8000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "--disable-warning=ExperimentalWarning", "--max-semi-space-size=8", "--heap-growing-percent=30", "dist/relay/main.js"]
