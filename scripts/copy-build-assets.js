// `tsc` emits only .ts sources: copy the plain-JS files the compiled bot loads at run time next to them.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
for (const file of ['src/store/embedded-postgres-child.mjs']) {
  fs.mkdirSync(path.dirname(path.join(root, 'dist', file)), { recursive: true });
  fs.copyFileSync(path.join(root, file), path.join(root, 'dist', file));
}
