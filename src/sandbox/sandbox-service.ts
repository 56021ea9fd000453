import type Docker from 'dockerode';
import type { DockerEndpoint, SandboxConfig } from '../config';
import { mirrorContainerFor } from '../images';
import type { Logger } from '../logger';
import { createDockerClient } from './engine/docker-client';
import { databaseHost } from './isolation/firewall-targets';
import { SandboxManager, type SandboxManagerOptions } from './lifecycle/sandbox-manager';

/** The slice of the validated Config the sandbox layer reads. */
export interface SandboxServiceConfig {
  sandbox: SandboxConfig;
  docker?: DockerEndpoint;
  /** Its host is kept out of the sandboxes' reach by the host firewall. */
  databaseUrl?: string;
}

/** What the images layer hands over (ensureImages' result fits); no mirrorUrl: sandboxes get no mirror. */
export interface SandboxImages {
  sandboxImage: string;
  mirrorUrl?: string;
}

/** Per-process choices that are not configuration: the logger, the label instance, test and bench tuning. */
export interface SandboxServiceOptions extends Partial<Omit<SandboxManagerOptions, 'image' | 'mirrorUrl' | 'mirrorContainer' | 'dockerHost' | 'dockerTls'>> {
  logger: Logger;
  /** The engine client; by default one made from config.docker. */
  docker?: Docker;
}

/**
 * The one place configuration becomes sandbox runtime options: the image and mirror from the images layer, the
 * mirror decision, the engine endpoint (DOCKER_HOST and TLS, for the `docker` CLI as for the API) and the instance.
 */
export function createSandboxService(config: SandboxServiceConfig, images: SandboxImages, options: SandboxServiceOptions): SandboxManager {
  const { logger, docker, ...tuning } = options;
  const engine = config.docker ?? {};
  // the database's host is kept out of the sandboxes' reach by the host firewall (firewall-targets.ts)
  const internalHosts = [...(tuning.internalHosts ?? []), databaseHost(config.databaseUrl) ?? ''].filter(Boolean);
  return new SandboxManager(docker ?? createDockerClient({ host: engine.host, tls: engine.tls }), config.sandbox, logger, {
    ...tuning,
    image: images.sandboxImage,
    mirrorUrl: images.mirrorUrl,
    mirrorContainer: mirrorContainerFor(config.sandbox.registryMirror),

    instance: options.instance ?? config.sandbox.instance,
    dockerHost: engine.host,
    dockerTls: engine.tls,
    ...(internalHosts.length ? { internalHosts } : {}),
  });
}
