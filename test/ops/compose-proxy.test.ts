import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..');

interface Service {
  image?: string;
  profiles?: string[];
  network_mode?: string;
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: unknown;
}

/** A compose file's services (compose's own tags such as `!reset` and `!override` are read as plain values). */
function services(file: string): Record<string, Service> {
  const doc = parseDocument(fs.readFileSync(path.join(ROOT, file), 'utf8'), { customTags: [{ tag: '!reset', resolve: (v: unknown) => v }, { tag: '!override', resolve: (v: unknown) => v }] as never });
  expect(doc.errors).toEqual([]);
  return (doc.toJS() as { services: Record<string, Service> }).services;
}

/** `host:${WEB_PORT:-n}` split into the host and the variable the port is read from. */
function upstream(value: string | undefined): { host: string; portVar: string } {
  const m = /^([\w.-]+):\$\{(\w+)(?::-\d+)?\}$/.exec(value ?? '');
  if (!m) throw new Error(`DOCKHAND_WEB_UPSTREAM is not host:\${VAR}: ${value}`);
  return { host: m[1]!, portVar: m[2]! };
}

describe('the playground proxy in the compose files', () => {
  const base = services('compose.yaml');
  const caddyfile = fs.readFileSync(path.join(ROOT, 'docs', 'playground-proxy.Caddyfile'), 'utf8');

  it('compose.yaml: Caddy under the `playground` profile, in front of the bot\'s WEB_PORT, with its config file', () => {
    const proxy = base.proxy!;
    expect(proxy.profiles).toEqual(['playground']);
    expect(proxy.image).toMatch(/caddy:2\}?$/);
    // it reaches the bot where the bot listens: the bot shares the engine's network namespace
    const { host, portVar } = upstream(proxy.environment?.DOCKHAND_WEB_UPSTREAM);
    expect(base.bot!.network_mode).toBe(`service:${host}`);
    // the port is the bot's own WEB_PORT (the variable readConfig reads), from the same .env
    expect(portVar).toBe('WEB_PORT');
    expect(proxy.environment?.PUBLIC_URL).toMatch(/^\$\{PUBLIC_URL/);
    // plain HTTP stays inside: neither the bot nor the engine publishes WEB_PORT, and the bot does not listen on loopback only
    expect(JSON.stringify([base.engine!.ports, base.bot!.ports])).not.toContain('WEB_PORT');
    expect(base.bot!.environment?.WEB_HOST).toBeUndefined();
    // TLS on 443, 80 for ACME and the redirect
    expect(proxy.ports!.map((p) => p.split(':').at(-1))).toEqual(['80', '443']);
    // the Caddyfile mounted is the one in the repository
    const mount = proxy.volumes!.find((v) => v.endsWith(':/etc/caddy/Caddyfile:ro'))!;
    expect(fs.existsSync(path.join(ROOT, mount.split(':')[0]!))).toBe(true);
    expect(path.normalize(mount.split(':')[0]!)).toBe(path.normalize('./docs/playground-proxy.Caddyfile'));
  });

  it('the Caddyfile serves PUBLIC_URL and proxies everything, WebSocket upgrades included, to the upstream compose sets', () => {
    const lines = caddyfile.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    expect(lines[0]).toBe('{$PUBLIC_URL} {');
    expect(lines[1]!.trim()).toBe('reverse_proxy {$DOCKHAND_WEB_UPSTREAM} {');
    // nothing that would break the terminal's stream: no path matcher, no header rewriting, no timeouts, no access log
    expect(caddyfile).not.toMatch(/^\s*(header_up|header_down|transport|timeout|log|handle_path|uri)\b/m);
  });

  it('compose.host-engine.yaml: the proxy shares the host network and reaches WEB_PORT on loopback, where the bot listens', () => {
    const host = services('compose.host-engine.yaml');
    expect(host.bot!.network_mode).toBe('host');
    expect(host.proxy!.network_mode).toBe('host');
    expect(host.proxy!.ports).toEqual([]);
    const { host: addr, portVar } = upstream(host.proxy!.environment?.DOCKHAND_WEB_UPSTREAM);
    expect([addr, portVar]).toEqual(['127.0.0.1', 'WEB_PORT']);
    expect(host.bot!.environment?.WEB_HOST).toBe('${WEB_HOST:-127.0.0.1}');
  });
});
