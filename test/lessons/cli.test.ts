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

  test('an unknown command prints the usage', async () => {
    expect(await main(['frobnicate'])).toBe(2);
    expect(out.join('\n')).toMatch(/^usage:/);
  });
});
