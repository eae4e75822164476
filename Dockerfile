# syntax=docker/dockerfile:1
# sip-check: build the TypeScript once, ship only the compiled dist/ with production dependencies.

# --- build: full dependencies (typescript), compile to dist/ ----------------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# --- runtime: production dependencies only, non-root -----------------------------------------
# Node 24 LTS (Node 20 reached end of life on 2026-04-30; package.json "engines" gives the tested range).
FROM node:24-bookworm-slim
# /healthz and /metrics on SIP_CHECK_METRICS_PORT, on loopback unless SIP_CHECK_METRICS_HOST says otherwise
# (compose.yaml opens it to the compose network); HTTP mode also answers /healthz on PORT.
# SIP_CHECK_CONTAINER: without Slack tokens and without a terminal (`docker run -it`), refuse to start instead of
# running the terminal demo on a closed stdin (which exits 0 at once, and a restart policy loops on it).
ENV NODE_ENV=production \
    SIP_CHECK_METRICS_PORT=9090 \
    SIP_CHECK_CONTAINER=1
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The ladder PNG's font (src/report/ladder.ts reads ../../assets from dist/report).
COPY assets ./assets
COPY bin ./bin
# var/: audit log, crash journal file (without Redis), attachments. The only writable path (with /tmp).
# /config: the inventory and the files it names (private keys, known_hosts), mounted read-only (compose.yaml).
RUN mkdir -p /app/var /config && chown node:node /app/var
USER node
EXPOSE 3000 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "dist/ops/healthcheck.js"]
# SIGTERM stops new checks and waits for running ones to reset debug: give it the grace (compose: stop_grace_period).
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
