import type Docker from 'dockerode';
import { AppError } from '../../errors';
import type { Logger } from '../../logger';

export const HOST_EXEC_ROLE = 'host-exec';

export interface HostExecOptions {
  /** An image with /bin/sh and whatever the script needs (the sandbox image has iptables). */
  image: string;
  /** Run by `/bin/sh -c` (the image's entrypoint is replaced). */
  script: string;
  /** Host paths to bind, in `host:container[:ro|rw]` form. */
  binds?: string[];
  /** Capabilities to add (e.g. NET_ADMIN); `--privileged` is refused on some engines, so never used. */
  capAdd?: string[];
  /** Device cgroup rules (e.g. `b 7:* rmw` for loop devices): binding /dev alone does not grant access. */
  deviceCgroupRules?: string[];
  /** Share the host's pid namespace (to enter the host's mount namespace with nsenter). */
  pidHost?: boolean;
  /** Bound on the whole run: create, start, wait, logs. The container is killed and removed when it passes. */
  timeoutMs: number;
  logger: Logger;
}

export interface HostExecResult {
  exitCode: number;
  /** stdout and stderr interleaved, as the engine logged them. */
  output: string;
}

/**
 * Runs a short script ON THE ENGINE HOST (which need not be this machine: DOCKER_HOST may be remote) through a
 * short-lived helper container in the host's network, user and (through binds) filesystem namespaces. The
 * container is labelled `dockhand.role=host-exec` and always removed; every engine call is bounded by the timeout.
 */
export async function runOnEngineHost(docker: Docker, opts: HostExecOptions): Promise<HostExecResult> {
  const deadline = Date.now() + opts.timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  const name = `dockhand-host-exec-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  let container: Docker.Container | undefined;
  try {
    container = await bounded(
      docker.createContainer({
        name,
        Image: opts.image,
        Entrypoint: ['/bin/sh', '-c', opts.script],
        Cmd: [],
        Labels: { 'dockhand.app': 'dockhand', 'dockhand.role': HOST_EXEC_ROLE },
        Tty: false,
        HostConfig: <Docker.HostConfig>{
          NetworkMode: 'host',
          UsernsMode: 'host',
          CapAdd: opts.capAdd ?? [],
          Binds: opts.binds ?? [],
          DeviceCgroupRules: opts.deviceCgroupRules ?? [],
          ...(opts.pidHost ? { PidMode: 'host' } : {}),
          AutoRemove: false,
        },
      }),
      left(),
      'create',
    );
    await bounded(container.start(), left(), 'start');
    let status: { StatusCode?: number };
    try {
      status = (await bounded(container.wait(), left(), 'wait')) as { StatusCode?: number };
    } catch (err) {
      await container.kill().catch(() => undefined);
      const output = await readLogs(container, 2000).catch(() => '');
      throw new AppError('HOST_EXEC_FAILED', `host helper did not finish within ${Math.round(opts.timeoutMs / 1000)} s${output ? `: ${output.slice(-500)}` : ''}`, { cause: err });
    }
    const output = await bounded(readLogs(container, left()), left(), 'logs');
    const exitCode = typeof status.StatusCode === 'number' ? status.StatusCode : -1;
    if (exitCode !== 0) opts.logger.debug({ exitCode, output: output.slice(-2000) }, 'host helper exited non-zero');
    return { exitCode, output };
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('HOST_EXEC_FAILED', `could not run a helper on the engine host: ${(err as Error).message}`, { cause: err });
  } finally {
    if (container) {
      // v: the sandbox image declares VOLUME /var/lib/docker; without it every helper left an anonymous volume
      await bounded(container.remove({ force: true, v: true }), 10_000, 'remove').catch((err: unknown) => {
        if ((err as { statusCode?: number }).statusCode !== 404) opts.logger.warn({ err, name }, 'could not remove the host helper container');
      });
    }
  }
}

async function readLogs(container: Docker.Container, timeoutMs: number): Promise<string> {
  const buf = (await bounded(container.logs({ stdout: true, stderr: true, follow: false }), timeoutMs, 'logs')) as unknown as Buffer;
  return demux(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)));
}

/** The engine's multiplexed log format (8-byte frame headers) to plain text; plain text passes through. */
export function demux(buf: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2 || buf[i] === 0) && buf[i + 1] === 0 && buf[i + 2] === 0 && buf[i + 3] === 0) {
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  if (i === 0) return buf.toString('utf8');
  return Buffer.concat(parts).toString('utf8');
}

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`host helper ${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
