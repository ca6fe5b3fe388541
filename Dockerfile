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
ENTRYPOINT ["node", "src/cli/main.ts"]
CMD ["worker"]
