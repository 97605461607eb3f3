# localfc: a local stand-in for Alibaba Cloud Function Compute 3.0.
#   docker build -t localfc .                       (or --build-arg BASE_IMAGE=<your node 20 image>)
#   docker run --rm -p 9000:9000 localfc
# Every stage uses BASE_IMAGE; the build stages need npm in it, the final one only node.
ARG BASE_IMAGE=node:20-bookworm-slim

# 1. Compile TypeScript to dist/ and bundle the server into dist/localfc.cjs (run by dist/localfc.mjs with its code cache,
#    which the build writes; the runtime user cannot write dist/, so the image keeps the build's).
FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --include=dev: the compiler is a dev dependency, and some base images set NODE_ENV=production.
# --ignore-scripts: the package's `prepare` would build before src/ is copied; the build runs below.
RUN npm ci --include=dev --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.mjs scripts/code-cache-loader.mjs scripts/prune-dist.mjs ./scripts/
COPY src ./src
RUN npm run build

# 2. Production dependencies only.
FROM ${BASE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# 3. Runtime: dist + production node_modules, not root.
FROM ${BASE_IMAGE}
# The official node images have a `node` user (uid 1000); for a base without one pass --build-arg APP_USER=1000:1000.
ARG APP_USER=node
# LOCALFC_PUBLIC_URL: links localfc prints (urlInternet, code links) name the host side of `-p 9000:9000`, not the
# container's own address; override it when clients reach the container by another name (a CI service `localfc:9000`).
ENV NODE_ENV=production \
    LOCALFC_HOST=0.0.0.0 \
    LOCALFC_PORT=9000 \
    LOCALFC_PUBLIC_URL=http://127.0.0.1:9000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER ${APP_USER}
EXPOSE 9000
# The bundle: one file to load, so the container answers sooner than with dist/main.js and its ~150 modules.
CMD ["node", "dist/localfc.mjs"]
