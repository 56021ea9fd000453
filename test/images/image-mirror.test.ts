import YAML from 'yaml';
import { configHash, pushedDigest, registryConfig } from '../../src/images/image-mirror';

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
