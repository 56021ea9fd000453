// npm run images [-- --offline|--online] [--prune]: builds the sandbox image, the lesson images and the offline
// registry mirror (whatever is missing), printing progress. Safe to run again: it reuses what exists.
import { createDockerClient, runOnEngineHost } from '../src/sandbox';
import pino from 'pino';
import { ensureImages, ensureInspectorImage, LESSON_IMAGES, pruneOldImages, type BuildMode } from '../src/images';
import { errorCode } from '../src/errors';
import { readConfig } from '../src/config';

async function main(): Promise<void> {
  const mode: BuildMode = process.argv.includes('--offline') ? 'offline' : process.argv.includes('--online') ? 'online' : 'auto';
  const config = readConfig(process.env);
  const registryMirror = config.sandbox.registryMirror;
  const t0 = Date.now();
  const docker = createDockerClient(config.docker);
  const result = await ensureImages({
    docker,
    log: pino({ level: 'silent' }),
    onProgress: (line) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}`),
    registryMirror,
    mirrorUpstream: config.sandbox.mirrorUpstream,
    mode,
    dockerHost: config.docker.host,
    runOnEngineHost,
  });
  console.log(`sandbox image: ${result.sandboxImage}`);
  // the check inspector: one offline layer FROM the sandbox image (the bot also builds it when missing)
  console.log(`check inspector image: ${await ensureInspectorImage(docker, result.sandboxImage)}`);
  console.log(`registry mirror for sandboxes: ${result.mirrorUrl || '(none)'}`);
  if (!registryMirror) {
    console.log('images learners can pull inside a sandbox:');
    for (const image of LESSON_IMAGES) console.log(`  ${image.names.join(', ')}  (${image.localImage})`);
  }
  if (process.argv.includes('--prune')) {
    const removed = await pruneOldImages(docker);
    console.log(removed.length ? `removed outdated images: ${removed.join(', ')}` : 'no outdated images to remove');
  }
  console.log(`built ${result.built.length}, pushed ${result.pushed.length}, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((err: unknown) => {
  console.error(`images: ${errorCode(err)}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
