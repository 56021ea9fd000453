import { checkPath, display, MAX_PATH_BYTES, parentOf } from '../../../src/playground/files/file-paths';

const ok = (raw: unknown, opts?: { allowRoot?: boolean }) => {
  const c = checkPath(raw, opts);
  if ('error' in c) throw new Error(`refused ${JSON.stringify(raw)}: ${c.error}`);
  return c.path;
};
const refused = (raw: unknown, opts?: { allowRoot?: boolean }) => {
  const c = checkPath(raw, opts);
  if (!('error' in c)) throw new Error(`accepted ${JSON.stringify(raw)} as ${c.path}`);
  return c.error;
};

describe('checkPath: what the editor may touch in a sandbox', () => {
  it('takes paths under the home and the lesson folders, ~ meaning /root', () => {
    expect(ok('~/app/Dockerfile')).toBe('/root/app/Dockerfile');
    expect(ok('/root/hello-flask/app.py')).toBe('/root/hello-flask/app.py');
    expect(ok('/tmp/tool.tar')).toBe('/tmp/tool.tar');
    expect(ok('/srv/site/index.html')).toBe('/srv/site/index.html');
    expect(ok('/opt/tool/tool.bin')).toBe('/opt/tool/tool.bin');
    expect(ok('/home/alice/.profile')).toBe('/home/alice/.profile');
    // names with spaces, quotes, dashes and unicode are names like any other (they reach the sandbox as arguments)
    expect(ok("~/my app/it's -rf é.txt")).toBe("/root/my app/it's -rf é.txt");
    expect(ok('~/dir/')).toBe('/root/dir');
  });

  it('lists a root but never writes, renames or deletes one', () => {
    expect(ok('~', { allowRoot: true })).toBe('/root');
    expect(ok('/tmp', { allowRoot: true })).toBe('/tmp');
    expect(refused('~')).toMatch(/top folder/);
    expect(refused('/root/')).toMatch(/top folder/);
  });

  it('refuses traversal, whatever its spelling', () => {
    for (const p of ['../etc/passwd', '~/../etc/passwd', '/root/../etc/passwd', '/root/a/../../etc', '/tmp/..', '/root/./x', '/root/..'])
      expect(refused(p)).toMatch(/\. or \.\.|start with/);
    // a root's name as a prefix is not the root
    expect(refused('/rootkit/x')).toMatch(/Only files under/);
    expect(refused('/tmpfoo')).toMatch(/Only files under/);
  });

  it('refuses absolute paths outside the roots', () => {
    for (const p of ['/etc/passwd', '/', '/proc/self/environ', '/var/lib/docker/x', '/dockhand-engine/docker.sock', '/var/run/docker.sock', '/usr/bin/bash'])
      expect(refused(p)).toMatch(/Only files under ~, \/home, \/srv, \/opt and \/tmp/);
  });

  it('refuses relative paths, NUL bytes, control characters and empty names', () => {
    expect(refused('app.py')).toMatch(/start with \/ or ~\//);
    expect(refused('~user/x')).toMatch(/start with/);
    expect(refused('/root/a\0/etc/passwd')).toMatch(/NUL/);
    expect(refused('/root/a\nb')).toMatch(/control characters/);
    expect(refused('/root/a\tb')).toMatch(/control characters/);
    expect(refused('/root//etc')).toMatch(/empty name/);
    expect(refused('')).toMatch(/Give a path/);
    expect(refused(undefined)).toMatch(/Give a path/);
    expect(refused(['/root/x'])).toMatch(/Give a path/);
  });

  it('refuses very long paths and names', () => {
    expect(refused(`/root/${'a/'.repeat(MAX_PATH_BYTES)}`)).toMatch(/too long/);
    expect(refused(`/root/${'a'.repeat(256)}`)).toMatch(/at most 255 bytes/);
    expect(ok(`/root/${'a'.repeat(255)}`)).toHaveLength(6 + 255);
    // bytes, not characters: 200 two-byte letters are 400 bytes
    expect(refused(`/root/${'é'.repeat(200)}`)).toMatch(/at most 255 bytes/);
  });

  it('shows the home as ~ and finds a parent folder', () => {
    expect(display('/root')).toBe('~');
    expect(display('/root/app/x')).toBe('~/app/x');
    expect(display('/rootkit')).toBe('/rootkit');
    expect(display('/tmp/x')).toBe('/tmp/x');
    expect(parentOf('/root/app/x')).toBe('/root/app');
    expect(parentOf('/root')).toBe('/');
  });
});
