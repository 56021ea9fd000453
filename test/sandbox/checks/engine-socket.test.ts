import { LOCK_SCRIPT, lockScript } from '../../../src/sandbox/checks/engine-socket';

describe('engine socket lock script', () => {
  it('in the helper: the bound folder, with the image\'s tools by absolute path', () => {
    expect(LOCK_SCRIPT).toContain('[ ! -S /lock/docker.sock ]');
    expect(LOCK_SCRIPT).toContain('/usr/bin/chown 0:0 /lock && /usr/bin/chmod 0755 /lock');
  });

  it('on the engine host: the volume\'s own folder, refused when it is a link (never followed to another path)', () => {
    const s = lockScript("'/var/lib/docker/100000.100000/volumes/v1/_data'", '');
    expect(s).toContain("[ -d '/var/lib/docker/100000.100000/volumes/v1/_data' ] && [ ! -L '/var/lib/docker/100000.100000/volumes/v1/_data' ] && chown 0:0");
    expect(s).not.toContain('/usr/bin/');
  });
});
