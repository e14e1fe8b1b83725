# syntax=docker/dockerfile:1
# Gatehouse image: Node 26 runs the TypeScript sources directly (type stripping, no build step).
# Stage 1 installs the production dependencies; stage 2 is the runtime, without npm, as a non-root
# user, with nothing writable but /tmp (the chart mounts an emptyDir there).
ARG NODE_IMAGE=node:26-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only (the node@26 devDependency is the base image's job here); no install
# scripts run, so a compromised package cannot execute at build time.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# The runtime needs node alone: drop the package managers so the image cannot install anything.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx \
  /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
ENV NODE_ENV=production
WORKDIR /app
# Files stay owned by root: the process may read its code, never change it.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY controller/src ./controller/src
COPY dataplane/src ./dataplane/src
# `gatehouse lint|explain` in the image: docker run --entrypoint node IMAGE cli/gatehouse.ts lint …
# (the entrypoint stays the controller itself, so its primary does not load the offline tools).
COPY cli ./cli
# 65532 is the conventional "nonroot" UID; numeric so that runAsNonRoot can verify it.
USER 65532:65532
EXPOSE 8080 8443 10254
ENTRYPOINT ["node", "controller/src/main.ts"]
