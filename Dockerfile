# syntax=docker/dockerfile:1
# Build stage: compiles the native sqlite3 addon (needs python3, make, g++), then drops dev dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund \
 && test -f node_modules/sqlite3/build/Release/node_sqlite3.node
COPY tsconfig.json ./
COPY src ./src
COPY commands ./commands
RUN npx tsc --noEmit && npm prune --omit=dev

# Runtime stage: only what runs, as a non-root user, database on a volume.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    DATABASE_URL=sqlite:///data/bot.sqlite
WORKDIR /app
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
# npm forwards SIGTERM to the bot, which finishes running turns and closes the store.
CMD ["npm", "start"]
