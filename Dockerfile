# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json README.md ./
COPY src ./src
COPY scripts ./scripts
COPY bench ./bench
COPY test ./test
COPY playground ./playground
COPY examples ./examples
# The TypeScript build and the playground bundle (its example tabs come from the README).
RUN npm run build

# Runtime stage: production dependencies only, non-root.
FROM node:20-bookworm-slim
# The heap the server is sized for (src/heap.ts): an operator may give another through NODE_OPTIONS.
# The probes on a port of their own (src/http/probe-listener.ts), not published: the health check
# below and an orchestrator's probes use it, and a flood on 4000 does not delay them.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 HEALTH_PORT=4001 NODE_OPTIONS="--max-old-space-size=384 --max-semi-space-size=8"
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY src/catalogue/seed/iana-http-status-codes.csv ./src/catalogue/seed/
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4001/readyz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
