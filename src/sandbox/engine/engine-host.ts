import { execFile } from 'node:child_process';
import type Docker from 'dockerode';
import { AppError } from '../../errors';
import type { Logger } from '../../logger';
import { runOnEngineHost } from './host-exec';
import { shellQuote } from '../shell/shell-quote';

/**
 * Runs a shell script with root's powers on the machine of the Docker engine that hosts the sandboxes
 * (cgroup directories, loop-mounted disk images). Decision: when the engine is this machine (DOCKER_HOST
 * unset or a unix socket) and this process is root, the script runs here directly (`sh -c`, a few ms);
 * otherwise it runs in a one-shot helper container on the engine host (`runOnEngineHost`: host network and
 * user namespaces, the paths it needs bound in). Loop devices need device access the helper does not get,
 * so disk caps need the local form (see README, Operators).
 */
export interface EngineHostShell {
  readonly local: boolean;
  /**
   * `hostMounts`: the script's mounts must be visible on the host (loop-mounted disks): a helper container then
   * enters the host's mount namespace, since a bind into the helper does not propagate back on a host whose /
   * is a private mount.
   */
  run(script: string, opts: { binds: string[]; timeoutMs?: number; hostMounts?: boolean }): Promise<{ exitCode: number; output: string }>;
}

export function localEngineHostShell(): EngineHostShell {
  return {
    local: true,
    run(script, opts) {
      return new Promise((resolve) => {
        execFile('/bin/sh', ['-c', script], { timeout: opts.timeoutMs ?? 30000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? Number((err as { code?: number }).code) : 1) : 0;
          resolve({ exitCode: code, output: `${stdout}${stderr}` });
        });
      });
    },
  };
}

export function helperEngineHostShell(docker: Docker, image: string, logger: Logger): EngineHostShell {
  return {
    local: false,
    run: (script, opts) =>
      runOnEngineHost(docker, {
        image,
        logger,
        timeoutMs: opts.timeoutMs ?? 30000,
        ...(opts.hostMounts
          ? // loop devices (block major 7, /dev/loop-control 10:237) are denied by the device cgroup unless allowed
            { script: hostMountNsScript(script), binds: [], pidHost: true, capAdd: ['SYS_ADMIN', 'SYS_CHROOT', 'SYS_PTRACE'], deviceCgroupRules: ['b 7:* rmw', 'c 10:237 rmw'] }
          : { script, binds: opts.binds, capAdd: ['SYS_ADMIN', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER'] }),
      }),
  };
}

/**
 * Runs `script` in the engine host's mount namespace, with the host's tools, from a helper sharing the host's pid
 * namespace: the helper's parent is the engine's containerd shim, which lives where the engine resolves bind
 * sources (pid 1 need not be readable: on some hosts it is not, even by root).
 */
export function hostMountNsScript(script: string): string {
  return `exec nsenter -t "$PPID" -m -- sh -c ${shellQuote(script)}`;
}

/** The engine is this machine's when DOCKER_HOST is unset or a unix socket; root is needed for cgroups and mounts. */
export function engineIsLocal(dockerHost: string | undefined): boolean {
  return (!dockerHost || dockerHost.startsWith('unix://')) && typeof process.getuid === 'function' && process.getuid() === 0;
}

export function chooseEngineHostShell(docker: Docker, o: { dockerHost?: string; image: string; logger: Logger }): EngineHostShell {
  return engineIsLocal(o.dockerHost) ? localEngineHostShell() : helperEngineHostShell(docker, o.image, o.logger);
}

/** What the engine tells us about itself that decides which profiles can work. */
export interface EngineFacts {
  /** Started with --userns-remap: root in a container is `remap` on the host. */
  userns: boolean;
  /** Host uid/gid of container root under remap (from the data root `…/100000.100000`, else /etc/subuid). */
  remap?: { uid: number; gid: number };
  cgroupVersion: 1 | 2;
  runtimes: string[];
  securityOptions: string[];
  /** `docker info`'s ServerVersion, e.g. `20.10.24+dfsg1` */
  serverVersion?: string;
}

export async function engineFacts(docker: Docker, host?: EngineHostShell): Promise<EngineFacts> {
  const info = (await docker.info()) as {
    SecurityOptions?: string[];
    DockerRootDir?: string;
    CgroupVersion?: string;
    Runtimes?: Record<string, unknown>;
    ServerVersion?: string;
  };
  const securityOptions = info.SecurityOptions ?? [];
  const userns = securityOptions.some((o) => /(^|,)name=userns(,|$)/.test(o));
  let remap: EngineFacts['remap'];
  if (userns) {
    remap = parseRemapFromRoot(info.DockerRootDir ?? '');
    if (!remap && host) {
      const r = await host.run('cat /etc/subuid /etc/subgid 2>/dev/null', { binds: ['/etc/subuid:/etc/subuid:ro', '/etc/subgid:/etc/subgid:ro'], timeoutMs: 15000 }).catch(() => undefined);
      remap = r ? parseSubuid(r.output) : undefined;
    }
  }
  return { userns, remap, cgroupVersion: info.CgroupVersion === '2' ? 2 : 1, runtimes: Object.keys(info.Runtimes ?? {}), securityOptions, serverVersion: info.ServerVersion };
}

/** Under --userns-remap the engine keeps its data in `<root>/<uid>.<gid>`. */
export function parseRemapFromRoot(rootDir: string): { uid: number; gid: number } | undefined {
  const m = /\/(\d+)\.(\d+)\/?$/.exec(rootDir);
  return m ? { uid: Number(m[1]), gid: Number(m[2]) } : undefined;
}

/** The `dockremap` line of /etc/subuid (uid and gid ranges start alike for that user). */
export function parseSubuid(text: string): { uid: number; gid: number } | undefined {
  const m = /^dockremap:(\d+):\d+$/m.exec(text);
  return m ? { uid: Number(m[1]), gid: Number(m[1]) } : undefined;
}

/** Runs a host script and turns a non-zero exit into an AppError carrying its output's tail. */
export async function runHostScript(host: EngineHostShell, what: string, script: string, binds: string[], hostMounts = false): Promise<string> {
  const r = await host.run(script, { binds, hostMounts });
  if (r.exitCode !== 0) throw new AppError('SANDBOX_HOST_SETUP_FAILED', `${what} failed on the engine host (exit ${r.exitCode}): ${r.output.trim().slice(-400)}`);
  return r.output;
}

/**
 * The profile the tests and the bench use when SANDBOX_PROFILE is unset: `userns` when the engine remaps users,
 * else the test-machine concession `test-host-cgroup`, which the caller must then acknowledge explicitly
 * (SANDBOX_ALLOW_TEST_HOST_CGROUP=true; the config refuses it otherwise).
 */
export async function testMachineProfile(docker: Docker): Promise<'userns' | 'test-host-cgroup'> {
  const facts = await engineFacts(docker).catch(() => undefined);
  return facts?.userns ? 'userns' : 'test-host-cgroup';
}
