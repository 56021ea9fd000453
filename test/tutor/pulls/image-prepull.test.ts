import { prePullImages, prePullScript } from '../../../src/tutor/pulls/image-prepull';
import { FakeSandbox } from '../../support/fakes/fake-sandbox';

const pull = (i: string) => `docker image inspect '${i}' >/dev/null 2>&1 && echo 'present ${i}' || docker pull -q '${i}' >/dev/null`;

describe('pre-pulling a lesson\'s or exercise\'s images', () => {
  it('pulls each image reference in order, single-quoted, and stops at the first failure', () => {
    expect(prePullScript(['nginx:latest', 'dockhand/ml:latest'])).toBe("set -e\ndocker pull -q 'nginx:latest' >/dev/null\ndocker pull -q 'dockhand/ml:latest' >/dev/null");
  });

  it('in a sandbox in use, skips the images it has already and says which', () => {
    expect(prePullScript(['nginx:latest', 'dockhand/ml:latest'], { skipPresent: true })).toBe(`set -e\n${pull('nginx:latest')}\n${pull('dockhand/ml:latest')}`);
  });

  it('reports which images were there already', async () => {
    const sandbox = new FakeSandbox().onScript(/docker pull/, { exitCode: 0, output: 'present hello-world:latest\n' });
    expect(await prePullImages(sandbox, 'T:U', ['hello-world:latest', 'busybox:latest'], { skipPresent: true })).toMatchObject({ ok: true, images: ['hello-world:latest', 'busybox:latest'], present: ['hello-world:latest'] });
  });

  it('leaves out anything that is not an image reference, so nothing reaches the shell as code', () => {
    const script = prePullScript(["nginx'; rm -rf ~; echo '", 'busybox:latest', '$(id)', 'UPPER:case', '']);
    expect(script).toBe("set -e\ndocker pull -q 'busybox:latest' >/dev/null");
  });

  it('reports a failed pull with its last line, and says when names were left out', async () => {
    const sandbox = new FakeSandbox().onScript(/docker pull/, { exitCode: 1, output: 'pulling\nError response from daemon: manifest unknown\n' });
    expect(await prePullImages(sandbox, 'T:U', ['nginx:latest'])).toMatchObject({ ok: false, images: [], detail: 'Error response from daemon: manifest unknown' });
    const fine = new FakeSandbox();
    expect(await prePullImages(fine, 'T:U', ['nginx:latest', 'bad name'])).toMatchObject({ ok: false, images: ['nginx:latest'], detail: 'some image names were not valid references' });
    expect(fine.callsOf('execScript')).toEqual([expect.objectContaining({ learnerKey: 'T:U', timeoutMs: 120_000 })]);
  });

  it('lets a sandbox that cannot run the script fail the preparation (the attempt cannot start without one)', async () => {
    const broken = new FakeSandbox().onScript(/docker pull/, new Error('SANDBOX_NOT_READY'));
    await expect(prePullImages(broken, 'T:U', ['nginx:latest'])).rejects.toThrow('SANDBOX_NOT_READY');
  });
});
