import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import Docker from 'dockerode';
import { AppError } from '../../errors';

export interface DockerTlsOptions {
  caPath?: string;
  certPath?: string;
  keyPath?: string;
  /** Check the engine's certificate against the CA (docker --tlsverify); default true. */
  verify?: boolean;
}

export interface DockerClientOptions {
  /** unix:///path, tcp://host:port or ssh://user@host[:port]; unset: the local socket. */
  host?: string;
  /** Only for tcp:// hosts. */
  tls?: DockerTlsOptions;
  /** ssh:// hosts: the agent socket and/or a private key file (the caller reads SSH_AUTH_SOCK, not us). */
  ssh?: { agentSocket?: string; privateKeyPath?: string };
}

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/**
 * Every connection setting docker-modem would otherwise take from DOCKER_HOST, DOCKER_TLS_VERIFY,
 * DOCKER_CERT_PATH, DOCKER_CLIENT_TIMEOUT..., set explicitly (undefined included), so the environment
 * never decides which engine we talk to. Files are read through `readFile` (tests pass a fake).
 */
export function dockerClientOptions(o: DockerClientOptions, readFile: (path: string) => Buffer = readFileSync): Docker.DockerOptions & Record<string, unknown> {
  const base = { socketPath: undefined, host: undefined, port: undefined, username: undefined, protocol: undefined, pathPrefix: undefined, ca: undefined, cert: undefined, key: undefined, timeout: undefined, sshOptions: {} };
  const raw = o.host ?? `unix://${DEFAULT_DOCKER_SOCKET}`;
  // Windows named pipe: the path is everything after the scheme (//./pipe/docker_engine).
  if (raw.startsWith('npipe://')) return { ...base, socketPath: raw.slice('npipe://'.length) || '//./pipe/docker_engine' };
  const url = parseHost(raw);
  switch (url.protocol) {
    case 'unix:':
      return { ...base, socketPath: url.pathname || DEFAULT_DOCKER_SOCKET };
    case 'tcp:': {
      const tls = o.tls;
      if (!tls) return { ...base, protocol: 'http', host: url.hostname, port: Number(url.port || 2375), pathPrefix: '/' };
      const files = {
        ca: tls.caPath ? readFile(tls.caPath) : undefined,
        cert: tls.certPath ? readFile(tls.certPath) : undefined,
        key: tls.keyPath ? readFile(tls.keyPath) : undefined,
      };
      // Encrypted but unverified (docker --tls): only an agent can turn certificate checking off.
      const agent = tls.verify === false ? new Agent({ ...files, rejectUnauthorized: false }) : undefined;
      return { ...base, protocol: 'https', host: url.hostname, port: Number(url.port || 2376), pathPrefix: '/', ...files, ...(agent ? { agent } : {}) };
    }
    case 'ssh:': {
      const sshOptions = {
        ...(o.ssh?.agentSocket ? { agent: o.ssh.agentSocket } : {}),
        ...(o.ssh?.privateKeyPath ? { privateKey: readFile(o.ssh.privateKeyPath) } : {}),
      };
      return { ...base, protocol: 'ssh', host: url.hostname, port: Number(url.port || 22), pathPrefix: '/', username: decodeURIComponent(url.username) || undefined, sshOptions };
    }
    default:
      throw new AppError('CONFIG_INVALID', `Unsupported Docker host "${raw}": expected unix:///path, tcp://host:port, ssh://user@host or npipe://path`);
  }
}

/** A dockerode client for exactly the given engine, whatever DOCKER_* variables this process has. */
export function createDockerClient(o: DockerClientOptions = {}): Docker {
  const opts = dockerClientOptions(o);
  const docker = new Docker(opts);
  // docker-modem merges its env-derived ssh options (SSH_AUTH_SOCK) over ours; put ours back.
  (docker.modem as unknown as { sshOptions: unknown }).sshOptions = opts.sshOptions;
  return docker;
}

/**
 * Global `docker` CLI flags reaching the same engine (for `docker exec -it` behind the pty); empty when no
 * host is set, leaving the CLI on its own default like a default dockerode client.
 */
export function dockerCliArgs(o: Pick<DockerClientOptions, 'host' | 'tls'>): string[] {
  if (!o.host) return [];
  const args = ['-H', o.host];
  const tls = o.tls;
  if (tls && o.host.startsWith('tcp://')) {
    args.push(tls.verify === false ? '--tls' : '--tlsverify');
    if (tls.caPath) args.push('--tlscacert', tls.caPath);
    if (tls.certPath) args.push('--tlscert', tls.certPath);
    if (tls.keyPath) args.push('--tlskey', tls.keyPath);
  }
  return args;
}

/** CLI variables that would compete with the explicit flags above. */
const CLI_TARGET_VARS = ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_TLS', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH'];

/** The CLI child's environment: `base` minus the engine-selecting variables when flags choose the engine. */
export function dockerCliEnv(base: Record<string, string | undefined>, o: Pick<DockerClientOptions, 'host'>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !(o.host && CLI_TARGET_VARS.includes(k))) env[k] = v;
  return env;
}

function parseHost(raw: string): URL {
  try {
    return new URL(raw);
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `Invalid Docker host "${raw}": expected unix:///path, tcp://host:port or ssh://user@host`, { cause: err });
  }
}
