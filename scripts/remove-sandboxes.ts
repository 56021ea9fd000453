// npm run sandboxes:remove: removes every sandbox of this bot instance (SANDBOX_INSTANCE, default `main`) with
// what goes with it (its network, volumes, check inspector, host cgroup and disk cap), as the bot removes one,
// and the host leftovers of sandboxes that are already gone.
// The bot itself leaves its sandboxes at shutdown for its next start to adopt; this is for an uninstall, or a
// throwaway run (CI's check of the built bot).
import pino from 'pino';
import { readConfig } from '../src/config';
import { errorCode } from '../src/errors';
import { SANDBOX_IMAGE } from '../src/images';
import { createDockerClient, createSandboxService } from '../src/sandbox';

async function main(): Promise<void> {
  const config = readConfig(process.env);
  const docker = createDockerClient(config.docker);
  // Removal needs only the labels and the engine: the image is never started, and no mirror URL is handed out.
  const manager = createSandboxService({ ...config, sandbox: { ...config.sandbox, warmPool: 0 } }, { sandboxImage: SANDBOX_IMAGE }, { docker, logger: pino({ level: 'silent' }) });
  const label = ['dockhand.app=dockhand', `dockhand.instance=${config.sandbox.instance}`];
  const before = (await docker.listContainers({ all: true, filters: { label } })).length;
  // destroyAll also sweeps the host: cgroup folders (every hierarchy, `unified` too), disk images, their mounts and
  // loop devices left by sandboxes that went without the bot (killed, `docker rm -f`), never a live sandbox's
  const freed = await manager.destroyAll();
  const after = (await docker.listContainers({ all: true, filters: { label } })).length;
  const host = Object.entries(freed).map(([policy, n]) => `${n} ${policy === 'loop-disk' ? 'disk leftovers' : policy === 'cgroup-delegation' ? 'cgroup leftovers' : policy}`);
  console.log(`instance ${config.sandbox.instance}: ${before} containers before, ${after} after${host.length ? `; released ${host.join(', ')} of sandboxes already gone` : ''}`);
  if (after) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(`sandboxes:remove: ${errorCode(err)}: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
