import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { configHash, pushedDigest, registryConfig } from '../../src/images/image-mirror';
import { readConfig } from '../../src/config';
import { decideUpstream, DOCKER_HUB_UPSTREAM, firstFileOfTar, mirrorProxyFor, singleFileTar } from '../../src/images/mirror-proxy';

describe('mirror registry config', () => {
  it('the instance sandboxes use refuses writes and deletes and never purges', () => {
    const c = YAML.parse(registryConfig(true));
    expect(c.storage.maintenance.readonly.enabled).toBe(true);
    expect(c.storage.delete.enabled).toBe(false);
    expect(c.storage.maintenance.uploadpurging.enabled).toBe(false);
    expect(c.storage.filesystem.rootdirectory).toBe('/var/lib/registry');
    expect(c.storage.cache).toBeUndefined(); // must see what the writable instance pushed
    expect(c.http.addr).toBe(':5000');
  });

  it("the host's push instance is writable over the same storage", () => {
    const c = YAML.parse(registryConfig(false));
    expect(c.storage.maintenance.readonly.enabled).toBe(false);
    expect(c.storage.filesystem.rootdirectory).toBe('/var/lib/registry');
    // Distribution refuses `uploadpurging: {enabled: true}` without age/interval: the writable one keeps the default
    expect(c.storage.maintenance.uploadpurging).toBeUndefined();
  });

  it('hashes the configs apart, so a mirror running another config is replaced', () => {
    expect(configHash(registryConfig(true))).not.toBe(configHash(registryConfig(false)));
    expect(configHash(registryConfig(true))).toBe(configHash(registryConfig(true)));
  });

  it("takes the pushed manifest digest from the push's progress events", () => {
    const d = `sha256:${'a'.repeat(64)}`;
    expect(pushedDigest([{ status: 'Pushed' }, { status: `latest: digest: ${d} size: 1234` }, { aux: { Digest: d } }])).toBe(d);
    expect(pushedDigest([{ status: `latest: digest: ${d} size: 1234` }])).toBe(d);
    expect(pushedDigest([{ status: 'Pushed' }])).toBeUndefined();
  });
});

describe('the mirror as a pull-through cache', () => {
  const proxy = { remoteurl: 'https://registry.example.test', username: 'class-bot', password: 's3cr3t "quoted"' };

  it('only the read-only instance proxies; the password is in the file it runs, never in the hash', () => {
    const ro = YAML.parse(registryConfig(true, proxy));
    expect(ro.proxy).toEqual(proxy);
    expect(ro.storage.maintenance.readonly.enabled).toBe(true);
    expect(YAML.parse(registryConfig(false, proxy)).proxy).toBeUndefined();
    const redacted = registryConfig(true, proxy, true);
    expect(redacted).not.toContain('s3cr3t');
    expect(configHash(redacted)).not.toBe(configHash(registryConfig(true)));
    expect(configHash(registryConfig(true, { remoteurl: 'https://other.test' }))).not.toBe(configHash(registryConfig(true, { remoteurl: 'https://registry.example.test' })));
    // offline, the config is exactly what it was: a running offline mirror is adopted, not replaced
    expect(registryConfig(true, undefined)).toBe(registryConfig(true));
  });

  it('auto proxies Docker Hub only when the build found it; off never; a URL always', async () => {
    const online = async () => true;
    const offline = async () => false;
    expect(await decideUpstream({}, 'auto', online)).toBe(DOCKER_HUB_UPSTREAM);
    expect(await decideUpstream({}, 'auto', offline)).toBeUndefined();
    expect(await decideUpstream({ setting: 'auto' }, 'offline', online)).toBeUndefined();
    expect(await decideUpstream({ setting: 'auto' }, 'online', offline)).toBe(DOCKER_HUB_UPSTREAM);
    expect(await decideUpstream({ setting: 'off' }, 'online', online)).toBeUndefined();
    expect(await decideUpstream({ setting: 'http://10.1.2.3:5000' }, 'offline', offline)).toBe('http://10.1.2.3:5000');
  });

  it('reads the password from its file through the config like every secret, and refuses half a credential', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mirror-cred-'));
    const file = path.join(dir, 'password');
    writeFileSync(file, 'hunter2\n');
    const upstream = readConfig({ MIRROR_UPSTREAM: 'https://r.test', MIRROR_UPSTREAM_USERNAME: 'u', MIRROR_UPSTREAM_PASSWORD_FILE: file }).sandbox.mirrorUpstream;
    expect(mirrorProxyFor('https://r.test', upstream ?? {})).toEqual({ remoteurl: 'https://r.test', username: 'u', password: 'hunter2' });
    expect(mirrorProxyFor('https://r.test', {})).toEqual({ remoteurl: 'https://r.test' });
    expect(mirrorProxyFor(undefined, { username: 'u', password: 'hunter2' })).toBeUndefined();
    expect(() => mirrorProxyFor('https://r.test', { username: 'u' })).toThrow(/go together/);
    expect(() => readConfig({ MIRROR_UPSTREAM_USERNAME: 'u', MIRROR_UPSTREAM_PASSWORD_FILE: path.join(dir, 'missing') })).toThrow(/MIRROR_UPSTREAM_PASSWORD_FILE: cannot read .*ENOENT/);
    // an empty file is an unset secret here as for every other one: half a credential then
    writeFileSync(file, '\n');
    expect(() => readConfig({ MIRROR_UPSTREAM_USERNAME: 'u', MIRROR_UPSTREAM_PASSWORD_FILE: file })).toThrow(/MIRROR_UPSTREAM_USERNAME: set it together/);
  });

  it('writes and reads back a one-file tar for the archive API', () => {
    const text = 'version: 0.1\n'.repeat(50);
    const tar = singleFileTar('etc/dockhand/registry.yml', text);
    expect(tar.length % 512).toBe(0);
    expect(firstFileOfTar(tar)).toBe(text);
  });
});
