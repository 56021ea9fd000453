#!/usr/bin/env node
// Runs the Prisma CLI without any engine download: the JS schema engine (prisma.config.ts) and the WASM
// client need no binary, but the CLI still looks for them, so it is pointed at placeholders it never runs.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const placeholderDir = path.join(root, 'node_modules', '.cache', 'dockhand-prisma');
fs.mkdirSync(placeholderDir, { recursive: true });
const placeholder = (name) => {
  const file = path.join(placeholderDir, name);
  if (!fs.existsSync(file)) fs.writeFileSync(file, '');
  return file;
};

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: placeholder('schema-engine'),
  PRISMA_QUERY_ENGINE_LIBRARY: placeholder('libquery_engine.so.node'),
  PRISMA_ENGINES_CHECKSUM_IGNORE_MISSING: '1',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
};
const cli = path.join(root, 'node_modules', 'prisma', 'build', 'index.js');
const preload = path.join(__dirname, 'prisma-unref-wasm-timers.js');
const result = spawnSync(process.execPath, ['--require', preload, cli, ...process.argv.slice(2)], { cwd: root, env, stdio: 'inherit' });
process.exit(result.status ?? 1);
