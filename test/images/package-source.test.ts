import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { IMAGES_DIR } from '../../src/images/images-dir';
import { ensurePackageSource, LABEL_PACKAGES_MIRROR, PACKAGES_HOST, packageSourceReady, packagesImageFor } from '../../src/images/package-source';

type Info = { Id: string; State: { Running: boolean }; Config: { Image: string; Labels: Record<string, string> } };

/** Just the calls ensurePackageSource makes, recorded; containers by name. */
function fakeDocker(containers: Record<string, Info>) {
  const calls: string[] = [];
  const created: Docker.ContainerCreateOptions[] = [];
  const docker = {
    getContainer: (name: string) => ({
      inspect: async () => {
        const c = containers[name];
        if (!c) throw Object.assign(new Error('no such container'), { statusCode: 404 });
        return c;
      },
      remove: async () => {
        calls.push(`remove ${name}`);
        delete containers[name];
      },
      start: async () => {
        calls.push(`start ${name}`);
        containers[name]!.State.Running = true;
      },
    }),
    createContainer: async (o: Docker.ContainerCreateOptions) => {
      calls.push(`create ${o.name}`);
      created.push(o);
      containers[o.name!] = { Id: 'new-pkg', State: { Running: false }, Config: { Image: o.Image!, Labels: o.Labels! } };
    },
  } as unknown as Docker;
  return { docker, calls, created };
}

const mirror = (id: string): Info => ({ Id: id, State: { Running: true }, Config: { Image: 'dockhand/lesson-registry:x', Labels: { 'dockhand.role': 'mirror' } } });
const pkg = (image: string, mirrorId: string, running = true): Info => ({
  Id: 'pkg',
  State: { Running: running },
  Config: { Image: image, Labels: { 'dockhand.app': 'dockhand', 'dockhand.role': 'packages', [LABEL_PACKAGES_MIRROR]: mirrorId } },
});

describe('package source lifecycle (follows the mirror)', () => {
  const image = 'dockhand/packages:abc';

  it("is created read-only in the mirror's network namespace, labelled, restarted unless stopped", async () => {
    const { docker, calls, created } = fakeDocker({ 'dockhand-mirror': mirror('m1') });
    await ensurePackageSource(docker, image, 'dockhand-mirror');
    expect(calls).toEqual(['create dockhand-packages', 'start dockhand-packages']);
    const hc = created[0]!.HostConfig!;
    expect(hc.NetworkMode).toBe('container:m1');
    expect(hc.ReadonlyRootfs).toBe(true);
    expect(hc.RestartPolicy?.Name).toBe('unless-stopped');
    expect(created[0]!.Labels).toMatchObject({ 'dockhand.app': 'dockhand', 'dockhand.role': 'packages', [LABEL_PACKAGES_MIRROR]: 'm1' });
  });

  it('adopts a stopped one of the same image and mirror by starting it', async () => {
    const { docker, calls } = fakeDocker({ 'dockhand-mirror': mirror('m1'), 'dockhand-packages': pkg(image, 'm1', false) });
    expect(await packageSourceReady(docker, image, 'dockhand-mirror')).toBe(false);
    await ensurePackageSource(docker, image, 'dockhand-mirror');
    expect(calls).toEqual(['start dockhand-packages']);
    expect(await packageSourceReady(docker, image, 'dockhand-mirror')).toBe(true);
  });

  it('replaces one that joined a mirror since replaced (its namespace is gone) or runs an older image', async () => {
    for (const [old, mirrorId] of [[image, 'm0'], ['dockhand/packages:old', 'm1']] as const) {
      const { docker, calls, created } = fakeDocker({ 'dockhand-mirror': mirror('m1'), 'dockhand-packages': pkg(old, mirrorId) });
      expect(await packageSourceReady(docker, image, 'dockhand-mirror')).toBe(false);
      await ensurePackageSource(docker, image, 'dockhand-mirror');
      expect(calls).toEqual(['remove dockhand-packages', 'create dockhand-packages', 'start dockhand-packages']);
      expect(created[0]!.HostConfig!.NetworkMode).toBe('container:m1');
    }
  });

  it("refuses to touch a container of that name that is not Dockhand's", async () => {
    const foreign = { ...pkg(image, 'm1'), Config: { Image: image, Labels: {} } };
    const { docker, calls } = fakeDocker({ 'dockhand-mirror': mirror('m1'), 'dockhand-packages': foreign });
    await expect(ensurePackageSource(docker, image, 'dockhand-mirror')).rejects.toThrow(/not Dockhand's package source/);
    expect(calls).toEqual([]);
  });

  it('tags the image by its base and folder, and the stand-ins point apt and pip at its name', () => {
    expect(packagesImageFor('dockhand/base:a')).toMatch(/^dockhand\/packages:[0-9a-f]{12}$/);
    expect(packagesImageFor('dockhand/base:a')).not.toBe(packagesImageFor('dockhand/base:b'));
    for (const id of ['python', 'python-pip']) {
      const dockerfile = readFileSync(path.join(IMAGES_DIR, 'lessons', id, 'Dockerfile'), 'utf8');
      expect(dockerfile).toContain(`URIs: http://${PACKAGES_HOST}/debian`);
      expect(dockerfile).toContain(`index-url = http://${PACKAGES_HOST}/simple/`);
    }
    expect(readFileSync(path.join(IMAGES_DIR, 'sandbox', 'entrypoint.sh'), 'utf8')).toContain(`PACKAGES_HOST=${PACKAGES_HOST}`);
  });
});
