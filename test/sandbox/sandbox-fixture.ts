import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import pino from 'pino';
import type { SandboxConfig } from '../../src/config';
import { ensureImages } from '../../src/images/images';
import { SandboxManager, type SandboxManagerOptions } from '../../src/sandbox/lifecycle/sandbox-manager';
import type { SandboxEvent } from '../../src/sandbox/types';

export const docker = new Docker();
export const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Built (or found) once per test file; the first build can take minutes. */
let images: Promise<{ sandboxImage: string; mirrorUrl: string }> | undefined;
export function sandboxImages(): Promise<{ sandboxImage: string; mirrorUrl: string }> {
  images ??= ensureImages({ docker, log: logger });
  return images;
}
export const IMAGES_TIMEOUT_MS = 15 * 60 * 1000;

/**
 * `userns` when the engine supports it, else the test-machine profile: decided once, explicitly, in the global
 * set-up (test/support/global-setup.ts), never assumed here.
 */
export function testProfile(): SandboxConfig['profile'] {
  return (process.env.SANDBOX_PROFILE || process.env.DOCKHAND_TEST_PROFILE || 'userns') as SandboxConfig['profile'];
}

export function testConfig(over: Partial<SandboxConfig> = {}): SandboxConfig {
  return {
    profile: testProfile(),
    memoryMb: 512,
    cpus: 1,
    pidsLimit: 256,
    idleMinutes: 20,
    maxLifetimeMinutes: 240,
    maxSandboxes: 4,
    warmPool: 0,
    commandTimeoutSeconds: 20,
    commandMaxTimeoutSeconds: 60,
    outputCapBytes: 64 * 1024,
    commandsPerMinute: 600,
    blockEgress: false,
    ...over,
  };
}

/** A unique label per manager, so tests only ever see and sweep their own containers. */
export function testInstance(name: string): string {
  return `test-${name}-${randomBytes(3).toString('hex')}`;
}

export async function newManager(
  name: string,
  over: Partial<SandboxConfig> = {},
  opts: Partial<SandboxManagerOptions> = {},
): Promise<{ manager: SandboxManager; events: SandboxEvent[]; instance: string }> {
  const { sandboxImage, mirrorUrl } = await sandboxImages();
  const instance = opts.instance ?? testInstance(name);
  const manager = new SandboxManager(docker, testConfig(over), logger, { image: sandboxImage, mirrorUrl, instance, quietMs: 1200, ...opts });
  const events: SandboxEvent[] = [];
  manager.on((e) => events.push(e));
  return { manager, events, instance };
}

export async function containersOf(instance: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`dockhand.app=dockhand`, `dockhand.instance=${instance}`] } });
}
