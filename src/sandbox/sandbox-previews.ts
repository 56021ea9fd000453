import { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { SandboxServiceConfig } from './sandbox-service';
import { createDockerClient } from './engine/docker-client';
import type { Logger } from '../logger';
import { INSPECTOR_ROLE, LABEL_OWNER } from './checks/inspector-spec';
import { execInContainer } from './checks/script-exec';
import type { SandboxManager } from './lifecycle/sandbox-manager';

/** A TCP port a learner's nested container publishes on their sandbox. */
export interface PublishedPort {
  port: number;
  /** The nested container's name (for the link's label). */
  container: string;
}

/** Why a preview stream could not be opened: nothing listens, no answer in time, too many open, no sandbox. */
export type PreviewRefusal = 'refused' | 'timeout' | 'busy' | 'no-sandbox';

export class PreviewStreamError extends Error {
  constructor(readonly reason: PreviewRefusal) {
    super(`preview stream not opened: ${reason}`);
  }
}

/**
 * The web playground's way to the ports of a learner's nested containers, through the sandbox's check inspector
 * (inspector-spec.ts): never the sandbox's own namespace, where the learner is root.
 * - ports(): `docker ps` against the nested engine's locked socket, run with the inspector's trusted tools.
 * - connect(): a byte stream to 127.0.0.1:PORT as the inspector dials it, which its private link sends to the
 *   sandbox's own loopback and nowhere else. A learner-chosen port is only ever dialed there: from the sandbox's
 *   side it is the learner's own traffic, under the sandbox's firewall like anything else they send.
 */
export interface SandboxPreviews {
  /** Ports published by the key's nested containers; empty when the key has no sandbox (never starts one). */
  ports(learnerKey: string): Promise<PublishedPort[]>;
  /** A stream to `port` inside the key's own sandbox; rejects with PreviewStreamError. `maxMs` bounds its life. */
  connect(learnerKey: string, port: number, opts: { connectTimeoutMs: number; maxMs: number }): Promise<Duplex>;
}

// One byte on stderr once connected; exit 97 when nothing listens. Either side's end ends both (kill 0: the
// process group `timeout` made), so no relay outlives the bot's stream. Tools by absolute path: the inspector's.
const RELAY = [
  '{ exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || exit 97',
  'printf "\\001" >&2',
  '{ /usr/bin/cat <&3; kill 0; } &',
  '/usr/bin/cat >&3',
  'kill 0',
].join('\n');
const PORTS_SCRIPT = ['/usr/bin/timeout', '-k', '1', '10', '/usr/bin/docker', 'ps', '--format', '{{.Names}}\t{{.Ports}}'];

/** Parses `docker ps` Ports text (`0.0.0.0:8080->80/tcp, :::8080->80/tcp`, ranges too): published TCP host ports. */
export function parsePublishedPorts(text: string, maxPorts = 32): PublishedPort[] {
  const seen = new Map<number, PublishedPort>();
  for (const line of text.split('\n')) {
    const [container = '', ports = ''] = line.split('\t');
    for (const m of ports.matchAll(/:(\d{1,5})(?:-(\d{1,5}))?->\d{1,5}(?:-\d{1,5})?\/tcp/g)) {
      const from = Number(m[1]);
      const to = Math.min(Number(m[2] ?? m[1]), from + maxPorts);
      for (let p = from; p <= to; p++) if (p >= 1 && p <= 65535 && !seen.has(p)) seen.set(p, { port: p, container: container.slice(0, 64) });
    }
  }
  return [...seen.values()].sort((a, b) => a.port - b.port).slice(0, maxPorts);
}

export function createSandboxPreviews(config: SandboxServiceConfig, sandboxes: SandboxManager, o: { logger: Logger; maxStreamsPerSandbox?: number; docker?: Docker }): SandboxPreviews {
  const docker = o.docker ?? createDockerClient({ host: config.docker?.host, tls: config.docker?.tls });
  const open = new Map<string, number>();
  const maxStreams = o.maxStreamsPerSandbox ?? 16;

  /** The running inspector of the key's sandbox, by the labels the bot gave it (started through a no-op check if missing). */
  async function inspectorOf(learnerKey: string, start: boolean): Promise<string | undefined> {
    const sandboxId = sandboxes.containerIdOf(learnerKey);
    if (!sandboxId) return undefined;
    const find = async () =>
      (await docker.listContainers({ filters: { label: ['dockhand.app=dockhand', `dockhand.role=${INSPECTOR_ROLE}`, `${LABEL_OWNER}=${sandboxId}`], status: ['running'] } })).find(
        (c) => c.Labels?.[LABEL_OWNER] === sandboxId,
      )?.Id;
    const found = await find();
    if (found || !start) return found;
    await sandboxes.checkScript(learnerKey, 'true', { timeoutMs: 60_000, outputCapBytes: 1024 });
    return find();
  }

  return {
    async ports(learnerKey) {
      const id = await inspectorOf(learnerKey, true);
      if (!id) return [];
      const r = await execInContainer(docker, id, PORTS_SCRIPT, { timeoutMs: 15_000, outputCapBytes: 64 * 1024 });
      if (r.exitCode !== 0) {
        o.logger.debug({ exitCode: r.exitCode }, 'listing published ports failed');
        return [];
      }
      return parsePublishedPorts(r.output);
    },

    async connect(learnerKey, port, opts) {
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new PreviewStreamError('refused');
      const id = await inspectorOf(learnerKey, true);
      if (!id) throw new PreviewStreamError('no-sandbox');
      if ((open.get(id) ?? 0) >= maxStreams) throw new PreviewStreamError('busy');
      const seconds = String(Math.max(1, Math.ceil(opts.maxMs / 1000)));
      const exec = await docker.getContainer(id).exec({
        Cmd: ['/usr/bin/timeout', '-k', '1', seconds, '/bin/bash', '--noprofile', '--norc', '-c', RELAY, 'relay', String(port)],
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
      });
      const raw = (await exec.start({ hijack: true, stdin: true })) as Duplex;
      open.set(id, (open.get(id) ?? 0) + 1);
      let counted = true;
      const release = () => {
        if (!counted) return;
        counted = false;
        const n = (open.get(id) ?? 1) - 1;
        if (n > 0) open.set(id, n);
        else open.delete(id);
      };
      raw.once('close', release);
      const stream = new RelayStream(raw);
      return new Promise<Duplex>((resolve, reject) => {
        const timer = setTimeout(() => fail('timeout'), opts.connectTimeoutMs);
        const fail = (reason: PreviewRefusal) => {
          clearTimeout(timer);
          stream.destroy();
          release();
          reject(new PreviewStreamError(reason));
        };
        stream.onStderr = () => {
          clearTimeout(timer);
          resolve(stream);
        };
        stream.once('close', () => fail('refused'));
      });
    },
  };
}

/**
 * The relay's exec as a plain byte stream: stdout frames of the engine's multiplexed stream become the readable
 * side, with backpressure (the exec's socket is paused while the reader is full); writes go to its stdin.
 */
class RelayStream extends Duplex {
  onStderr?: () => void;
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly raw: Duplex) {
    super();
    raw.on('data', (chunk: Buffer) => this.frames(chunk));
    raw.on('end', () => this.push(null));
    raw.on('close', () => this.destroy());
    raw.on('error', (err) => this.destroy(err));
  }

  private frames(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let full = false;
    while (this.pending.length >= 8) {
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + size) break;
      const kind = this.pending[0];
      const payload = this.pending.subarray(8, 8 + size);
      this.pending = this.pending.subarray(8 + size);
      if (kind === 1 && payload.length) {
        this.touch();
        full = !this.push(payload) || full;
      }
      else if (kind === 2 && payload.includes(1)) {
        const cb = this.onStderr;
        this.onStderr = undefined;
        cb?.();
      }
    }
    if (full) this.raw.pause();
  }

  // what an http.Agent keeping the relay for the next request calls on its sockets
  private idleMs = 0;
  private idleTimer?: NodeJS.Timeout;

  setTimeout(ms: number, onTimeout?: () => void): this {
    this.idleMs = ms;
    if (onTimeout) this.once('timeout', onTimeout);
    this.touch();
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = this.idleMs > 0 && !this.destroyed ? setTimeout(() => this.emit('timeout'), this.idleMs).unref() : undefined;
  }

  override _read(): void {
    this.raw.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.touch();
    this.raw.write(chunk, cb);
  }

  // A half-close is not passed on: the relay ends both ways when its stdin ends, so only destroy ends it.
  override _final(cb: (err?: Error | null) => void): void {
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    clearTimeout(this.idleTimer);
    this.raw.destroy();
    cb(err);
  }
}
