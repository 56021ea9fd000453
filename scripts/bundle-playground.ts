// `npm run build`: bundles the web playground's page (xterm.js included) into dist/playground/.
import { buildBrowserAssets } from '../src/playground';

buildBrowserAssets({ force: true })
  .then((dir) => process.stdout.write(`playground page bundled into ${dir}\n`))
  .catch((err: unknown) => {
    process.stderr.write(`bundling the playground page failed: ${(err as Error).message}\n`);
    process.exit(1);
  });
