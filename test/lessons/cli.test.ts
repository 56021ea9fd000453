import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/lessons/cli';

const FIX = path.join(__dirname, '../fixtures');

describe('lessons CLI', () => {
  let out: string[];
  let spies: jest.SpyInstance[];
  beforeEach(() => {
    out = [];
    const capture = (...args: unknown[]) => {
      out.push(args.map(String).join(' '));
    };
    spies = [jest.spyOn(console, 'log').mockImplementation(capture), jest.spyOn(console, 'error').mockImplementation(capture)];
  });
  afterEach(() => spies.forEach((s) => s.mockRestore()));

  test('validate passes on the shipped course', async () => {
    expect(await main(['validate'])).toBe(0);
    expect(out.join('\n')).toMatch(/^\d+ valid, 0 problems$/m);
  });

  test('validate fails on a course with broken lessons and prints each problem', async () => {
    expect(await main(['validate', path.join(FIX, 'lessons/mixed-course')])).toBe(1);
    expect(out.filter((l) => l.startsWith('ERROR '))).toHaveLength(7);
    expect(out.join('\n')).toMatch(/^1 valid, 7 problems$/m);
  });

  test('validate flags a hint that gives the solution before the last hint', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dockhand-cli-'));
    try {
      const step = ['  - id: run', '    title: Run', '    body: Run nginx.', '    check: "true"', '    hints: ["Type: `docker run -d --name web nginx`", "Type it."]', '    solution: [docker run -d --name web nginx]'];
      await fs.writeFile(path.join(tmp, 'lesson.yaml'), ['id: hinted', 'title: Hinted', 'summary: S.', 'level: beginner', 'minutes: 5', 'steps:', ...step, ''].join('\n'));
      expect(await main(['validate', '--dir', tmp])).toBe(1);
      expect(out.filter((l) => l.startsWith('ERROR '))).toEqual([
        expect.stringMatching(/lesson\.yaml: steps\[0\]\.hints\[0\]: gives the solution's command `docker run -d --name web nginx` but is hint 1 of 2/),
      ]);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });

  test('import writes a lesson and lists the TODOs; broken JSON is reported by the entry point', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dockhand-cli-'));
    try {
      // the result does not validate yet (a step has no check): listed, and the exit code says so
      expect(await main(['import', path.join(FIX, 'killercoda/docker-basics'), '--out', path.join(tmp, 'kc')])).toBe(1);
      expect(out.join('\n')).toContain('the lesson does not validate yet; fill in the TODOs:');
      await expect(fs.stat(path.join(tmp, 'kc/lesson.yaml'))).resolves.toBeTruthy();
      await expect(main(['import', path.join(FIX, 'killercoda/broken-json'), '--out', path.join(tmp, 'b')])).rejects.toMatchObject({ code: 'IMPORT_BAD_JSON' });
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });

  test('test refuses an unknown lesson id before starting any sandbox', async () => {
    expect(await main(['test', 'no-such-lesson'])).toBe(1);
    expect(out.join('\n')).toMatch(/^unknown lesson: no-such-lesson \(known: running-containers, /m);
  });

  test('--one-sandbox is a switch: it takes no value, so the lesson id after it is still an id', async () => {
    expect(await main(['test', '--one-sandbox', 'no-such-lesson'])).toBe(1);
    expect(out.join('\n')).toMatch(/^unknown lesson: no-such-lesson \(known: running-containers, /m);
  });

  test('an unknown command is named on one line, then the usage', async () => {
    expect(await main(['frobnicate'])).toBe(2);
    expect(out.join('\n')).toMatch(/^lessons: unknown command "frobnicate"\nusage:/);
  });

  test('--help prints the usage and succeeds', async () => {
    expect(await main(['--help'])).toBe(0);
    expect(out.join('\n')).toMatch(/^usage:/);
  });

  // A misspelt switch used to swallow the lesson id after it and test every lesson: refused before anything runs.
  test('a misspelt flag is refused with the flag it most likely meant, never testing every lesson', async () => {
    expect(await main(['test', '--onesandbox', 'compose'])).toBe(2);
    const [first, ...rest] = out.join('\n').split('\n');
    expect(first).toBe('lessons test: unknown flag --onesandbox (did you mean --one-sandbox?); this command takes --dir, --one-sandbox, --concurrency, --main-path, --unsafe-host-profile');
    expect(rest[0]).toBe('usage:');
    expect(out.join('\n')).not.toMatch(/unknown lesson|lessons:test:|images/);
  });

  test.each([
    [['test', '--concurency', '2'], /^lessons test: unknown flag --concurency \(did you mean --concurrency\?\)/],
    [['test', '--unsafe-host'], /^lessons test: unknown flag --unsafe-host;/],
    [['validate', '--force'], /^lessons validate: unknown flag --force; this command takes --dir$/m],
    [['import', 'x', '--ID', 'y'], /^lessons import: unknown flag --ID \(did you mean --id\?\)/],
    [['test', '-x'], /^lessons test: unknown flag -x;/],
    [['test', '--one-sandbox=yes'], /^lessons test: --one-sandbox is a switch and takes no value$/m],
    [['test', '--concurrency'], /^lessons test: --concurrency needs a value/],
    [['test', '--concurrency', '--one-sandbox'], /^lessons test: --concurrency needs a value/],
    [['validate', '--dir'], /^lessons validate: --dir needs a value/],
    [['test', '--concurrency', '0'], /^lessons test: --concurrency needs a whole number from 1, got "0"$/m],
  ])('%j is a usage error (exit code 2) with one line saying why, then the usage', async (argv, line) => {
    expect(await main(argv)).toBe(2);
    expect(out.join('\n')).toMatch(line);
    expect(out.join('\n').split('\n')[1]).toBe('usage:');
  });

  test('flags keep working in both spellings and anywhere among the ids', async () => {
    expect(await main(['test', 'no-such-lesson', '--concurrency=2', '--unsafe-host-profile'])).toBe(1);
    expect(out.join('\n')).toMatch(/^unknown lesson: no-such-lesson /m);
    out.length = 0;
    expect(await main(['validate', '--dir', path.join(FIX, 'lessons/mixed-course')])).toBe(1);
    expect(out.join('\n')).toMatch(/^1 valid, 7 problems$/m);
  });

  test('after --, a name starting with a dash is an id, not a flag', async () => {
    expect(await main(['test', '--', '--odd-id'])).toBe(1);
    expect(out.join('\n')).toMatch(/^unknown lesson: --odd-id /m);
  });
});
