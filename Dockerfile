# syntax=docker/dockerfile:1
# Node 26 is the Active LTS line (since 2026-10-28); its official images are built on Debian 13 (trixie).
ARG NODE_IMAGE=node:26-trixie-slim

# Build stage: compiles the native sqlite3 addon (needs python3, make, g++) and the TypeScript, then drops dev
# dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# --ignore-scripts skips our own `prepare` (the sources are not copied yet, so this layer stays cached);
# `npm rebuild` then runs the dependencies' install scripts, which build the sqlite3 addon.
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && npm rebuild \
 && test -f node_modules/sqlite3/build/Release/node_sqlite3.node
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
RUN npm run build && npm prune --omit=dev

# Runtime stage: only what runs, as a non-root user, database on a volume.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    DATABASE_URL=sqlite:///data/bot.sqlite
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
# node runs as PID 1 itself (no npm wrapper): SIGTERM reaches the bot, which finishes running turns and
# closes the store. Register slash commands with: docker run … node dist/src/deployCommands.js
# The V8 flags are package.json's "start" ones (README, Memory): a small young generation and code optimised for size.
CMD ["node", "--max-semi-space-size=1", "--optimize-for-size", "dist/src/main.js"]
