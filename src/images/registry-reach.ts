import type Docker from 'dockerode';
import { AppError } from '../errors';
import type { Logger } from '../logger';

/**
 * Runs a script in a helper on the engine host (the sandbox layer's `runOnEngineHost`). Passed in rather than
 * imported: the sandbox layer builds on images, so images must not import the sandbox.
 */
export type EngineHostRunner = (docker: Docker, o: { image: string; script: string; timeoutMs: number; logger: Logger }) => Promise<{ output: string }>;

/** One shell word (the same quoting as the sandbox layer's shellQuote). */
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** One answer of the mirror's registry API. `status` 0: no answer (refused, timed out). */
export interface RegistryAnswer {
  status: number;
  /** The `Docker-Content-Digest` header, if any. */
  digest?: string;
  body: string;
  /** Why there was no answer. */
  error?: string;
}

/**
 * How the bot reaches the writable mirror's API, which is published on the ENGINE host's 127.0.0.1 only. With a
 * local engine that is this machine's loopback; with a remote one (DOCKER_HOST=tcp/ssh) it is not reachable from
 * here at all, so requests are made from a one-shot helper in the engine host's network namespace instead.
 */
export interface RegistryReach {
  get(pushHost: string, path: string, opts: { accept?: string; timeoutMs: number }): Promise<RegistryAnswer>;
}

export const directReach: RegistryReach = {
  async get(pushHost, path, opts) {
    try {
      const res = await fetch(`http://${pushHost}${path}`, { headers: opts.accept ? { Accept: opts.accept } : {}, signal: AbortSignal.timeout(opts.timeoutMs) });
      return { status: res.status, digest: res.headers.get('docker-content-digest') ?? undefined, body: await res.text() };
    } catch (err) {
      return { status: 0, body: '', error: (err as Error).message };
    }
  },
};

/** The helper's script: curl from the engine host's network; status, digest and the body (base64) on three lines. */
export function engineReachScript(pushHost: string, path: string, opts: { accept?: string; timeoutMs: number }): string {
  const secs = Math.max(1, Math.ceil(opts.timeoutMs / 1000));
  return [
    `code=$(curl -sS -m ${secs} -D /tmp/h -o /tmp/b -w '%{http_code}' ${opts.accept ? `-H ${shellQuote(`Accept: ${opts.accept}`)} ` : ''}${shellQuote(`http://${pushHost}${path}`)} 2>/tmp/e) || code=0`,
    'echo "status=$code"',
    `echo "digest=$(grep -i '^docker-content-digest:' /tmp/h 2>/dev/null | cut -d' ' -f2 | tr -d '\\r')"`,
    'echo "body=$(base64 -w0 /tmp/b 2>/dev/null)"',
    'echo "error=$(head -c 300 /tmp/e 2>/dev/null | tr -d "\\n")"',
  ].join('\n');
}

export function parseEngineReachOutput(output: string): RegistryAnswer {
  const field = (k: string) => new RegExp(`^${k}=(.*)$`, 'm').exec(output)?.[1]?.trim() ?? '';
  const status = Number(field('status')) || 0;
  return {
    status,
    digest: field('digest') || undefined,
    body: Buffer.from(field('body'), 'base64').toString('utf8'),
    ...(status === 0 ? { error: field('error') || 'no answer' } : {}),
  };
}

export function engineReach(docker: Docker, image: string, logger: Logger, runOnEngineHost: EngineHostRunner): RegistryReach {
  return {
    async get(pushHost, path, opts) {
      const r = await runOnEngineHost(docker, { image, script: engineReachScript(pushHost, path, opts), timeoutMs: opts.timeoutMs + 20_000, logger });
      return parseEngineReachOutput(r.output);
    },
  };
}

/** Direct when the engine is this machine's (unset or unix socket DOCKER_HOST), through the engine otherwise. */
export function registryReachFor(docker: Docker, o: { dockerHost?: string; image: string; logger: Logger; runOnEngineHost?: EngineHostRunner }): RegistryReach {
  if (!o.dockerHost || o.dockerHost.startsWith('unix://')) return directReach;
  if (!o.runOnEngineHost) throw new AppError('CONFIG_INVALID', `a remote engine (${o.dockerHost}) needs runOnEngineHost to reach the image mirror`);
  return engineReach(docker, o.image, o.logger, o.runOnEngineHost);
}
