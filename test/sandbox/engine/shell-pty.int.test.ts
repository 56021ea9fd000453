import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitForBinds } from '../../../src/sandbox/engine/shell-pty';
import { shellQuote } from '../../../src/sandbox/shell/shell-quote';

/**
 * The learner's shell opens while the sandbox starts: it must settle in the learner's folder only once the
 * entrypoint has bound it onto the disk, or it would work in the folder underneath. Run in a mount namespace of
 * its own on this host (as root, like the engine), with the bind made half a second after the shell started.
 */
describe('the shell opened during a start waits for the learner folders to be bound', () => {
  const run = promisify(execFile);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'dockhand-binds-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const scenario = (bindAfter: string) => `
    set -e
    mkdir -p ${dir}/disk ${dir}/home && echo on-disk > ${dir}/disk/where && echo underneath > ${dir}/home/where
    (sleep ${bindAfter}; mount --bind ${dir}/disk ${dir}/home) &
    DOCKHAND_DISK_BINDS=${dir}/home bash -c ${shellQuote(waitForBinds(`${dir}/home`, 'cat where'))}
    wait`;

  it('settles in the bound folder, not the one underneath', async () => {
    const { stdout } = await run('unshare', ['-m', '--propagation', 'private', 'bash', '-c', scenario('0.5')], { timeout: 20_000 });
    expect(stdout.trim()).toBe('on-disk');
  });

  it('passes at once when the folders are already bound', async () => {
    const { stdout } = await run('unshare', ['-m', '--propagation', 'private', 'bash', '-c', `${scenario('0')}; cd ${dir}/home && cat where`], { timeout: 20_000 });
    expect(stdout.trim().split('\n').pop()).toBe('on-disk');
  });
});
