import type Docker from 'dockerode';
import type { DockerEndpoint, SandboxConfig } from '../config';
import { mirrorContainerFor } from '../images';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { createDockerClient } from './engine/docker-client';
import { databaseHost } from './isolation/firewall-targets';
import { SandboxManager, type SandboxManagerOptions } from './lifecycle/sandbox-manager';
import type { Pty } from './shell/pty';
import { openTerminalShell } from './shell/terminal-shell';

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

/** Second, interactive shells in learners' sandboxes (the web playground's terminal), beside the chat's. */
export interface SandboxTerminals {
  /** A new interactive shell with its own tty in the key's sandbox, which is made first if missing (in line like any start). */
  open(learnerKey: string, size: { cols: number; rows: number }): Promise<Pty>;
  /** Counts as use of the key's sandbox (the idle reaper spares it); never starts one. */
  touch(learnerKey: string): Promise<void>;
}

export function createSandboxTerminals(config: SandboxServiceConfig, sandboxes: SandboxManager): SandboxTerminals {
  // A no-op script through the service: it makes the sandbox if missing and marks it used, without a new manager method.
  const use = (learnerKey: string, onlyExisting: boolean) => sandboxes.execScript(learnerKey, 'true', { timeoutMs: 10_000, outputCapBytes: 1024, onlyExisting });
  return {
    async open(learnerKey, size) {
      await use(learnerKey, false);
      const id = sandboxes.containerIdOf(learnerKey);
      if (!id) throw new AppError('SANDBOX_NOT_READY', 'The sandbox went away while the terminal opened');
      return openTerminalShell(config.docker ?? {}, id, size, { pidsLimit: config.sandbox.pidsLimit, memoryMb: config.sandbox.memoryMb });
    },
    async touch(learnerKey) {
      await use(learnerKey, true);
    },
  };
}
