#!/usr/bin/env bash
# Removes from a production node_modules (after `npm prune --omit=dev`) what the image never runs. Used by the
# Dockerfile's build stage; prints the size before and after. Only files no code path of the bot loads:
#   - node-pty's prebuilt addons: all for darwin/win32 (the image loads the one `npm rebuild` compiled into
#     build/Release, which node-pty tries first), its Windows sources (winpty, conpty) and build inputs;
#   - Prisma's engines and compilers for the databases Dockhand does not use (cockroachdb, mysql, sqlserver,
#     sqlite), its query engines (the generated client uses the PostgreSQL query compiler: engineType "client"),
#     and Prisma Studio's web assets (the image runs `migrate deploy`, never `studio`);
#   - TypeScript: an optional peer of the Prisma packages that `npm prune` keeps; at run time nothing compiles
#     TypeScript (dist/ is JavaScript; the Prisma CLI loads prisma.config.ts with jiti);
#   - source maps, type declarations and markdown (licences stay).
set -euo pipefail
nm=${1:?usage: trim-node-modules.sh NODE_MODULES_DIR}
[ -d "$nm/node-pty/build/Release" ] || { echo "trim: $nm/node-pty/build/Release is missing: node-pty would need its prebuilds"; exit 1; }
before=$(du -sb "$nm" | cut -f1)

rm -rf "$nm/node-pty/prebuilds" "$nm/node-pty/third_party" "$nm/node-pty/deps" "$nm/node-pty/src"
others='cockroachdb|mysql|sqlserver|sqlite'
for dir in "$nm/prisma/build" "$nm/@prisma/client/runtime" "$nm/prisma/prisma-client/runtime"; do
  [ -d "$dir" ] || continue
  find "$dir" -maxdepth 1 -regextype posix-extended -type f \( -regex ".*/query_(engine|compiler)_bg\.($others)\..*" -o -name 'query_engine_bg.*' \) -delete
done
# the CLI's own schema tooling (schema_engine_bg.wasm, prisma_schema_build_bg.wasm) stays; Studio goes
rm -rf "$nm/prisma/build/public"
rm -rf "$nm/typescript" "$nm/.bin/tsc" "$nm/.bin/tsserver"
find "$nm" -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.md' -o -name '*.markdown' \) ! -iname 'licen[cs]e*' -delete

after=$(du -sb "$nm" | cut -f1)
echo "trim: $nm $before -> $after bytes ($(( (before - after) / 1000000 )) MB removed)"
