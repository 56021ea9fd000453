import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importScenario } from '../../../src/lessons/import/import-scenario';

/**
 * A scenario is someone else's code: its file names, titles and editor blocks end up in scripts that run in a
 * sandbox during lessons:test and for learners. They must stay data, never become commands, and never read files
 * outside the scenario folder.
 */
describe('a hostile scenario cannot inject commands or read outside its folder', () => {
  let dir: string;
  let outside: string;
  const mark = `/tmp/dockhand-pwned-${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dockhand-hostile-'));
    outside = await fs.mkdtemp(path.join(os.tmpdir(), 'dockhand-outside-'));
    await fs.writeFile(path.join(outside, 'secret.txt'), 'do not read me');
    const bg = `bg\ntouch ${path.basename(mark)}.sh`;
    await fs.writeFile(path.join(dir, bg), 'echo background');
    await fs.mkdir(path.join(dir, 'assets'));
    await fs.symlink(path.join(outside, 'secret.txt'), path.join(dir, 'assets', 'link.txt'));
    await fs.symlink(path.join(outside, 'secret.txt'), path.join(dir, 'step2.md'));
    await fs.writeFile(path.join(dir, 'step1.md'), `<pre class="file" data-filename="x; touch ${path.basename(mark)}" data-target="replace">hello\n</pre>\n`);
    await fs.writeFile(path.join(dir, 'verify.sh'), 'test -f /root/x');
    await fs.writeFile(
      path.join(dir, 'index.json'),
      JSON.stringify({
        title: 'Hostile',
        details: {
          intro: { background: bg },
          steps: [
            { title: `Write "$(touch ${mark})" \`id\``, text: 'step1.md', verify: 'verify.sh' },
            { title: 'Read a secret', text: 'step2.md', verify: '../dockhand-outside/secret.txt' },
          ],
          assets: { host01: [{ file: 'link.txt', target: '/root' }, { file: '../secret.txt', target: '/root' }] },
        },
      }),
    );
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
    await fs.rm(outside, { recursive: true, force: true });
    await fs.rm(mark, { force: true });
    await fs.rm(`${mark}.sh`, { force: true });
  });

  test('names and titles stay inside comments and quoted strings; running the generated shell creates no marker', async () => {
    const l = await importScenario(dir);
    const cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'dockhand-hostile-run-'));
    try {
      const solution = ((l.manifest.steps as Record<string, unknown>[])[0]!.solution as string[]).join('\n');
      const name = path.basename(mark);
      expect(solution).toContain(`cat > 'x; touch ${name}' <<'EOF'`);
      expect(spawnSync('bash', ['-c', solution], { cwd, encoding: 'utf8' }).status).toBe(0);
      expect(await fs.readdir(cwd)).toEqual([`x; touch ${name}`]);
      await expect(fs.readFile(path.join(cwd, `x; touch ${name}`), 'utf8')).resolves.toBe('hello\n');
      const file = (suffix: string) => [...l.files].find(([k]) => k.startsWith('steps/01-') && k.endsWith(suffix))![1];
      const check = file('-check.sh');
      expect(spawnSync('bash', ['-c', check], { encoding: 'utf8' }).stdout).toContain(`FAIL: Not done yet: Write (touch ${mark}) id.`);
      const setup = file('-setup.sh');
      expect(setup.split('\n').filter((line) => line.startsWith('touch '))).toEqual([]);
      expect(spawnSync('bash', ['-n'], { input: setup, encoding: 'utf8' }).status).toBe(0);
      await expect(fs.stat(mark)).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(fs.stat(`${mark}.sh`)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await fs.rm(cwd, { recursive: true, force: true });
    }
  });

  test('files outside the folder, by path or by symlink, are refused and reported', async () => {
    const l = await importScenario(dir);
    const all = [...l.files.values()].join('\n');
    expect(all).not.toContain('do not read me');
    expect(l.notes.map((n) => n.message)).toEqual(
      expect.arrayContaining([
        'verify "../dockhand-outside/secret.txt" points outside the scenario folder; not mapped',
        'text "step2.md" is a symlink that leads outside the scenario folder; not mapped',
        'asset link.txt is a symlink that leads outside the scenario folder; not copied',
        'asset ../secret.txt not found under assets/; not copied',
      ]),
    );
  });
});
