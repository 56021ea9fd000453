import type Docker from 'dockerode';
import { AppError } from '../errors';

/** Where the read-only mirror fetches what it lacks when it runs as a pull-through cache. */
export const DOCKER_HUB_UPSTREAM = 'https://registry-1.docker.io';

/** The operator's choice (MIRROR_UPSTREAM): `auto` proxies to Docker Hub when the host reaches it, `off` never, or a URL. */
export type MirrorUpstreamSetting = 'auto' | 'off' | string;

export interface MirrorUpstreamOptions {
  setting?: MirrorUpstreamSetting;
  /** MIRROR_UPSTREAM_USERNAME */
  username?: string;
  /** MIRROR_UPSTREAM_PASSWORD, read by the config from MIRROR_UPSTREAM_PASSWORD_FILE like every secret. */
  password?: string;
}

/** What the read-only instance proxies to; absent: it serves only what the host pushed (offline). */
export interface MirrorProxy {
  remoteurl: string;
  username?: string;
  password?: string;
}

/**
 * Whether the built Debian base came from Docker Hub: the build's own online decision (BuildMode `auto` pulls
 * `debian:bookworm-slim` when it can, debootstraps otherwise), read back without sending anything anywhere.
 */
export async function baseCameFromHub(docker: Docker, baseImage: string): Promise<boolean> {
  try {
    const info = await docker.getImage(baseImage).inspect();
    return (info.RepoDigests ?? []).some((d) => /^(docker\.io\/)?(library\/)?debian@/.test(d));
  } catch {
    return false;
  }
}

/** The upstream URL for the read-only instance, or undefined for today's offline mirror. */
export async function decideUpstream(
  o: MirrorUpstreamOptions,
  mode: 'auto' | 'online' | 'offline',
  online: () => Promise<boolean>,
): Promise<string | undefined> {
  const setting = o.setting ?? 'auto';
  if (setting === 'off') return undefined;
  if (setting !== 'auto') return setting;
  if (mode === 'offline') return undefined;
  if (mode === 'online') return DOCKER_HUB_UPSTREAM;
  return (await online()) ? DOCKER_HUB_UPSTREAM : undefined;
}

/** The proxy settings: the upstream, with its account when one is configured. */
export function mirrorProxyFor(upstream: string | undefined, o: MirrorUpstreamOptions): MirrorProxy | undefined {
  if (!upstream) return undefined;
  if (!o.username && !o.password) return { remoteurl: upstream };
  if (!o.username || !o.password) {
    throw new AppError('CONFIG_INVALID', 'MIRROR_UPSTREAM_USERNAME and MIRROR_UPSTREAM_PASSWORD_FILE go together: set both or neither');
  }
  return { remoteurl: upstream, username: o.username, password: o.password };
}

/** The `proxy:` section of the registry config (JSON strings are YAML double-quoted scalars). */
export function proxySection(proxy: MirrorProxy | undefined, redact: boolean): string[] {
  if (!proxy) return [];
  return [
    'proxy:',
    `  remoteurl: ${JSON.stringify(proxy.remoteurl)}`,
    ...(proxy.username ? [`  username: ${JSON.stringify(proxy.username)}`] : []),
    ...(proxy.password !== undefined ? [`  password: ${redact ? '"(from MIRROR_UPSTREAM_PASSWORD_FILE)"' : JSON.stringify(proxy.password)}`] : []),
  ];
}

/** A one-file tar archive (ustar), for the engine's archive API: the config goes in before start, never through env. */
export function singleFileTar(name: string, content: string, mode = 0o600): Buffer {
  const body = Buffer.from(content, 'utf8');
  const header = Buffer.alloc(512, 0);
  const put = (s: string, off: number, len: number) => header.write(s.slice(0, len), off, len, 'utf8');
  const octal = (n: number, len: number) => n.toString(8).padStart(len - 1, '0');
  put(name, 0, 100);
  put(octal(mode, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(body.length, 12), 124, 12);
  put(octal(Math.floor(Date.now() / 1000), 12), 136, 12);
  header.fill(' ', 148, 156);
  put('0', 156, 1);
  put('ustar\u000000', 257, 8);
  let sum = 0;
  for (const b of header) sum += b;
  put(`${octal(sum, 7)}\u0000`, 148, 8);
  const pad = Buffer.alloc((512 - (body.length % 512)) % 512, 0);
  return Buffer.concat([header, body, pad, Buffer.alloc(1024, 0)]);
}

/** The first file's content in a tar archive (what the engine's archive API returns for one file). */
export function firstFileOfTar(tar: Buffer): string | undefined {
  if (tar.length < 512) return undefined;
  const size = parseInt(tar.subarray(124, 136).toString('utf8').replace(/\0.*$/, '').trim(), 8);
  if (!Number.isFinite(size) || tar.length < 512 + size) return undefined;
  return tar.subarray(512, 512 + size).toString('utf8');
}

/** Whether the container's config file is exactly `content` (checked through the archive API, so no secret leaves it). */
export async function containerFileIs(docker: Docker, container: string, file: string, content: string): Promise<boolean> {
  try {
    const stream = (await docker.getContainer(container).getArchive({ path: file })) as unknown as NodeJS.ReadableStream;
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
    return firstFileOfTar(Buffer.concat(chunks)) === content;
  } catch {
    return false;
  }
}
