# The worker image. Node 24 runs the TypeScript sources directly (type stripping), so there is no
# build step; dev dependencies (tests, lint, the npm `node` runtime) are left out.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY src ./src
COPY connectors ./connectors
COPY jobs ./jobs
USER node
# V8's heap is capped (WORKER_HEAP_MIB, default 768 MiB) so a worker collects instead of growing
# past 1 GiB on a large tenant; `exec` keeps node as PID 1 for the stop signals.
ENTRYPOINT ["sh", "-c", "exec node --max-old-space-size=${WORKER_HEAP_MIB:-768} src/cli/main.ts \"$@\"", "pipeline-health"]
CMD ["worker"]
