import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { indentOutput, main } from '../../../src/lessons/cli';

const FIX = path.join(__dirname, '../../fixtures');

describe('lessons:import, and validate/test on a folder outside lessons/', () => {
  let out: string[];
  let spies: jest.SpyInstance[];
  let tmp: string;
  const text = () => out.join('\n');
  beforeEach(async () => {
    out = [];
    const capture = (...args: unknown[]) => {
      out.push(args.map(String).join(' '));
    };
    spies = [jest.spyOn(console, 'log').mockImplementation(capture), jest.spyOn(console, 'error').mockImplementation(capture)];
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dockhand-import-cli-'));
  });
  afterEach(async () => {
    spies.forEach((s) => s.mockRestore());
    await fs.rm(tmp, { recursive: true, force: true });
  });

  test('a scenario goes to <dir>/NN-<id> after the highest number there; the summary counts steps, solutions, checks and TODOs', async () => {
    await fs.mkdir(path.join(tmp, '07-existing-lesson'));
    expect(await main(['import', path.join(FIX, 'killercoda/web-bind-mount'), '--dir', tmp])).toBe(0);
    const dir = path.join(tmp, '08-serve-a-folder-with-nginx');
    await expect(fs.stat(path.join(dir, 'lesson.yaml'))).resolves.toBeTruthy();
    expect(text()).toContain(`imported killercoda scenario "serve-a-folder-with-nginx" into ${dir} (11 files)`);
    expect(text()).toContain('  3 steps: 3 solutions derived (2 from solution section, 1 from exec blocks), 3 checks; 0 TODOs');
    // nginx:alpine is served by the offline mirror under its own name (images/lessons/nginx-alpine)
    expect(text()).toMatch(/^ {2}images: nginx:alpine$/m);
    expect(text()).toMatch(/^1 lesson imported, 1 validate$/m);
    expect(await fs.readFile(path.join(dir, 'IMPORT-NOTES.md'), 'utf8')).toContain('## TODO (0)');
  });

  test('a lesson that does not validate yet: every TODO and problem is printed, and the exit code is 1', async () => {
    expect(await main(['import', path.join(FIX, 'killercoda/prose-only'), '--dir', tmp])).toBe(1);
    expect(text()).toContain('  1 step: 0 solutions derived, 1 check; 1 TODO');
    expect(text()).toContain('  TODO  details.steps[0]: "Create a file": no solution in the scenario (no answer file, Solution section or {{exec}} block): write solution (the commands that complete the step)');
    expect(text()).toMatch(/^ {4}01-only-prose\/lesson\.yaml:\d+: steps\[0\]\.solution: missing/m);
    expect(text()).toMatch(/^1 lesson imported, 0 validate, 1 does not$/m);
  });

  test('a course is written as consecutive NN-<id> folders that validate together (prerequisites included)', async () => {
    expect(await main(['import', path.join(FIX, 'killercoda/course/structure.json'), '--dir', tmp])).toBe(0);
    expect((await fs.readdir(tmp)).sort()).toEqual(['01-running-your-very-first-container', '02-volumes-and-data-that-outlive-containers', '03-networks-explained']);
    expect(text()).toContain('Killercoda course "Docker from zero" (structure.json): 3 scenarios, in order, each requiring the one before');
    out = [];
    expect(await main(['validate', '--dir', tmp])).toBe(0);
    expect(text()).toMatch(/^3 valid, 0 problems$/m);
    await expect(main(['import', path.join(FIX, 'killercoda/course'), '--dir', tmp, '--id', 'x'])).rejects.toMatchObject({ code: 'CLI_USAGE' });
  });

  test('validate --dir <folder> <id> checks one lesson (a broken neighbour does not count); --dir may be one lesson folder', async () => {
    await main(['import', path.join(FIX, 'killercoda/prose-only'), '--dir', tmp]);
    await main(['import', path.join(FIX, 'killercoda/linux-files'), '--dir', tmp]);
    out = [];
    expect(await main(['validate', '--dir', tmp, 'files-in-your-home-folder'])).toBe(0);
    expect(text()).toMatch(/^ok {4}files-in-your-home-folder \(3 steps, 9 min\)$/m);
    out = [];
    expect(await main(['validate', '--dir', tmp, 'only-prose'])).toBe(1);
    expect(text()).toMatch(/^ERROR .*01-only-prose\/lesson\.yaml:\d+: steps\[0\]\.solution: missing/m);
    out = [];
    expect(await main(['validate', '--dir', path.join(tmp, '02-files-in-your-home-folder')])).toBe(0);
    expect(text()).toMatch(/^1 valid, 0 problems$/m);
    out = [];
    expect(await main(['validate', '--dir', tmp, 'no-such-lesson'])).toBe(1);
    expect(text()).toContain('unknown lesson: no-such-lesson (known: files-in-your-home-folder)');
  });

  test('test --dir <folder> refuses an unknown id before starting any sandbox', async () => {
    await main(['import', path.join(FIX, 'killercoda/linux-files'), '--dir', tmp]);
    out = [];
    expect(await main(['test', '--dir', tmp, 'nope'])).toBe(1);
    expect(text()).toContain('unknown lesson: nope (known: files-in-your-home-folder)');
  });

  test('the full output of a failing step is printed under its result line', () => {
    expect(indentOutput('first line\nsecond line\n\n')).toBe('      | first line\n      | second line');
  });
});
