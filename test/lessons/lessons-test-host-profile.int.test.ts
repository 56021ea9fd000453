import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { main } from '../../src/lessons/cli';

/**
 * `lessons:test` on an engine without --userns-remap refuses, unless told --unsafe-host-profile. This machine has
 * one engine, started WITH userns-remap, and a test must not restart it; so the engine's reported security options
 * (what `docker info` says, the only thing the choice reads) are injected through main's dependencies, while
 * everything else (the ping, the images, the sandboxes) is the real engine's.
 */
jest.setTimeout(600_000);

const NO_USERNS = async () => ['name=seccomp,profile=default'];
const docker = new Docker();
let dir: string;
let out: string[];
let spies: jest.SpyInstance[];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'host-profile-'));
  const lesson = path.join(dir, '01-tiny');
  await fs.mkdir(lesson);
  await fs.writeFile(
    path.join(lesson, 'lesson.yaml'),
    ['id: tiny', 'title: Tiny', 'summary: One file.', 'level: beginner', 'minutes: 1', 'steps:', '  - id: one', '    title: One', '    body: Make a file.', '    check: test -f ~/one', '    solution: [touch ~/one]', ''].join('\n'),
  );
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  out = [];
  const capture = (...args: unknown[]) => void out.push(args.map(String).join(' '));
  spies = [jest.spyOn(console, 'log').mockImplementation(capture), jest.spyOn(console, 'error').mockImplementation(capture)];
});
afterEach(() => spies.forEach((s) => s.mockRestore()));

const runs = async () => (await docker.listContainers({ all: true, filters: { label: ['dockhand.app=dockhand', `dockhand.instance=lesson-test-${process.pid}`] } })).length;

describe('lessons:test and the host profile', () => {
  it('refuses on an engine without userns-remap, says why in one paragraph, and starts nothing', async () => {
    expect(await main(['test', '--dir', dir], { engineSecurityOptions: NO_USERNS })).toBe(1);
    const text = out.join('\n');
    expect(text).toMatch(/^lessons:test will not run: this Docker engine runs without --userns-remap/);
    expect(text).toContain('accept the risk with --unsafe-host-profile');
    expect(text).not.toMatch(/images ready|PASS|FAIL/);
    expect(await runs()).toBe(0);
  });

  it('with --unsafe-host-profile goes past the refusal to the test-host-cgroup profile and says so', async () => {
    // Whether that sandbox then starts is the engine's business: on this userns-remapping engine a test-host-cgroup
    // sandbox stops while starting (it did before this change too), so the result is not asserted, only the choice.
    await main(['test', '--dir', dir, '--unsafe-host-profile'], { engineSecurityOptions: NO_USERNS });
    const text = out.join('\n');
    expect(text).not.toContain('lessons:test will not run');
    expect(text).toContain("lessons:test: --unsafe-host-profile: lesson code runs as root on the engine's machine (test-host-cgroup)");
    expect(text).toMatch(/images ready .*profile test-host-cgroup\)/);
    expect(await runs()).toBe(0);
  });

  it('on this engine as it is (userns-remap) runs under userns with no flag', async () => {
    expect(await main(['test', '--dir', dir])).toBe(0);
    expect(out.join('\n')).toMatch(/profile userns\)/);
  });
});
