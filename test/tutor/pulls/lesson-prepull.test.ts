import path from 'node:path';
import { AppError } from '../../../src/errors';
import { LessonCatalog } from '../../../src/lessons';
import type { ScriptResult } from '../../../src/sandbox/types';
import { ForegroundWork } from '../../../src/tutor/pulls/foreground-work';
import { LessonPrePuller, stepPrePullImages } from '../../../src/tutor/pulls/lesson-prepull';
import { Tutor } from '../../../src/tutor/tutor';
import { captureLogs } from '../../support/capture-logs';
import { FakeSandbox, scriptRun } from '../../support/fakes/fake-sandbox';
import { makeLesson } from '../../support/fakes/lessons';
import { createMemoryStores } from '../../support/fakes/memory-stores';
import { RecordingPort } from '../../support/fakes/recording-port';

/** Pulls that finish when the test says so: which learners' pulls run now, and a way to end each. */
function heldPulls() {
  const running = new Map<string, (r?: Partial<ScriptResult>) => void>();
  const sandbox = new FakeSandbox().onScript(/docker pull/, (_script, key) => new Promise((resolve) => running.set(key, (r = {}) => (running.delete(key), resolve(r)))));
  return { sandbox, running };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('which lesson images are pulled for a step', () => {
  const lesson = makeLesson('l', {
    images: ['busybox:latest', 'debian:bookworm-slim', 'hello-world:latest', 'redis:7'],
    steps: [
      { solution: ['docker run hello-world'] },
      { solution: ['docker run --name first debian:bookworm-slim cat /etc/os-release'] },
      { solution: ['docker ps -a'] },
      { solution: ['docker pull docker.io/library/busybox:latest', 'docker images'] },
      { solution: ['docker run --rm debian:bookworm-slim true', 'docker run --rm busybox true'] },
    ],
  });

  it('only the images the learner\'s step names, not the rest of the lesson', () => {
    expect(stepPrePullImages(lesson)).toEqual(['hello-world:latest']);
    expect(stepPrePullImages(lesson, 1)).toEqual(['debian:bookworm-slim']);
  });

  it('for a step that names none, the next step\'s that does', () => {
    // step 3 names none, step 4 teaches pulling busybox: left to the learner; nothing else is named there
    expect(stepPrePullImages(lesson, 2)).toEqual(['debian:bookworm-slim']);
  });

  it('leaves an image a coming step asks the learner to pull to them; past that step it is pulled like the others', () => {
    expect(stepPrePullImages(lesson, 3)).toEqual(['debian:bookworm-slim']);
    expect(stepPrePullImages(lesson, 4)).toEqual(['busybox:latest', 'debian:bookworm-slim']);
  });

  it('nothing past the last step, or in a lesson whose steps name no image', () => {
    expect(stepPrePullImages(lesson, 5)).toEqual([]);
    expect(stepPrePullImages(makeLesson('x', { images: ['redis:7'], steps: [{ solution: ['docker ps'] }] }))).toEqual([]);
  });

  it('the real first lesson: hello-world alone when it opens, debian for its second step', async () => {
    const { catalog } = await LessonCatalog.load(path.join(__dirname, '../../../lessons'));
    const first = catalog.list('lesson')[0]!;
    expect(stepPrePullImages(first)).toEqual(['hello-world:latest']);
    expect(stepPrePullImages(first, 1)).toEqual(['debian:bookworm-slim']);
  });
});

describe('background pulls of lesson images', () => {
  const lesson = makeLesson('l', { images: ['hello-world:latest'], steps: [{ solution: ['docker run hello-world'] }] });

  it('runs at most `concurrency` pulls at once host-wide; the rest wait their turn in arrival order', async () => {
    const { sandbox, running } = heldPulls();
    const pulls = new LessonPrePuller(sandbox, { concurrency: 2 });
    const { log } = captureLogs();
    for (const key of ['A', 'B', 'C', 'D']) pulls.request(key, lesson, 0, log);
    await settle();
    expect([...running.keys()]).toEqual(['A', 'B']);
    expect(pulls.stats).toMatchObject({ running: 2, waiting: 2 });
    running.get('A')!();
    await settle();
    expect([...running.keys()]).toEqual(['B', 'C']);
    running.get('B')!();
    running.get('C')!();
    await settle();
    running.get('D')!();
    await settle();
    expect(pulls.stats).toMatchObject({ running: 0, waiting: 0, peak: 2, started: 4, finished: 4, failed: 0 });
  });

  it('gives a learner who asks again and again one pull at a time, and one more after it (the newest request)', async () => {
    const { sandbox, running } = heldPulls();
    const pulls = new LessonPrePuller(sandbox, { concurrency: 2 });
    const { log } = captureLogs();
    for (let i = 0; i < 20; i++) pulls.request('A', lesson, 0, log);
    pulls.request('B', lesson, 0, log);
    await settle();
    // B is not queued behind A's twenty requests.
    expect([...running.keys()]).toEqual(['A', 'B']);
    running.get('A')!();
    running.get('B')!();
    await settle();
    expect([...running.keys()]).toEqual(['A']);
    running.get('A')!();
    await settle();
    expect(pulls.stats).toMatchObject({ running: 0, waiting: 0, started: 3, peak: 2 });
    expect(sandbox.callsOf('execScript')).toHaveLength(3);
  });

  it('starts pulls only while no learner waits on foreground work; pulls already running go on', async () => {
    const { sandbox, running } = heldPulls();
    const fg = new ForegroundWork();
    let startDone!: () => void;
    fg.track(new Promise<void>((r) => (startDone = r))).catch(() => undefined); // a learner's sandbox is starting
    const pulls = new LessonPrePuller(sandbox, { concurrency: 2, foreground: fg });
    const { log } = captureLogs();
    pulls.request('A', lesson, 0, log);
    pulls.request('B', lesson, 0, log);
    await settle();
    expect(running.size).toBe(0);
    expect(pulls.stats).toMatchObject({ running: 0, waiting: 2 });
    expect(pulls.stats.yielded).toBeGreaterThan(0);
    startDone();
    await settle();
    expect([...running.keys()]).toEqual(['A', 'B']);
    // a learner's command while A and B pull: they go on, C waits for the command to end
    let commandDone!: () => void;
    fg.track(new Promise<void>((r) => (commandDone = r))).catch(() => undefined);
    pulls.request('C', lesson, 0, log);
    running.get('A')!();
    await settle();
    expect([...running.keys()]).toEqual(['B']);
    commandDone();
    await settle();
    expect([...running.keys()]).toEqual(['B', 'C']);
    running.get('B')!();
    running.get('C')!();
    await settle();
    expect(pulls.stats).toMatchObject({ running: 0, waiting: 0, started: 3, finished: 3 });
  });

  it('drops a pull that waited too long for its turn (the learner has pulled what they needed by then)', async () => {
    const { sandbox, running } = heldPulls();
    let now = 0;
    const pulls = new LessonPrePuller(sandbox, { concurrency: 1, maxWaitMs: 60_000, now: () => now });
    const { log } = captureLogs();
    pulls.request('A', lesson, 0, log);
    pulls.request('B', lesson, 0, log);
    await settle();
    now = 60_001;
    running.get('A')!();
    await settle();
    expect(running.size).toBe(0);
    expect(pulls.stats).toMatchObject({ started: 1, dropped: 1, waiting: 0, running: 0 });
  });

  it('asks the sandbox to run it only in a sandbox that exists or is being made (never to start one), with a timeout', async () => {
    const seen: unknown[] = [];
    const sandbox = { execScript: async (_k: string, _s: string, opts?: unknown) => (seen.push(opts), scriptRun()) };
    new LessonPrePuller(sandbox, { timeoutMs: 5_000 }).request('A', lesson, 0, captureLogs().log);
    await settle();
    expect(seen).toEqual([{ timeoutMs: 5_000, onlyExisting: true }]);
  });

  it('logs a failed pull as a warning, and no sandbox to pull into as news; nothing throws', async () => {
    const { log, logs } = captureLogs();
    const sandbox = new FakeSandbox()
      .onScript((s) => s.includes('docker pull'), { exitCode: 1, output: 'Error response from daemon: manifest unknown\n' }, { times: 1 })
      .onScript((s) => s.includes('docker pull'), new AppError('SANDBOX_NOT_READY', 'No sandbox to run in'), { times: 1 });
    const pulls = new LessonPrePuller(sandbox);
    pulls.request('A', lesson, 0, log);
    pulls.request('B', lesson, 0, log);
    await settle();
    await settle();
    expect(pulls.stats).toMatchObject({ failed: 2, finished: 2 });
    expect(logs.filter((l) => l.msg.includes('not pre-pulled'))).toEqual([expect.objectContaining({ level: 30, code: 'SANDBOX_NOT_READY' })]);
    expect(logs.filter((l) => l.msg === 'pre-pulling the lesson images failed')).toEqual([expect.objectContaining({ level: 40, detail: 'Error response from daemon: manifest unknown' })]);
  });

  it('does nothing for a lesson without images', async () => {
    const sandbox = new FakeSandbox();
    new LessonPrePuller(sandbox).request('A', makeLesson('none'), 0, captureLogs().log);
    await settle();
    expect(sandbox.callsOf('execScript')).toHaveLength(0);
  });
});

describe('the tutor pre-pulls a lesson\'s images', () => {
  async function tutorWith(images: string[], sandbox = new FakeSandbox()) {
    const stores = createMemoryStores();
    const catalog = new LessonCatalog([makeLesson('basics', { images, steps: [{ solution: ['docker run hello-world'] }, { solution: ['docker run busybox'] }] })]);
    const tutor = new Tutor({ learners: stores.learners, store: stores.tutor, catalog, sandboxes: sandbox, log: captureLogs().log });
    await stores.learners.ensureLearner('T1', 'U1');
    const port = new RecordingPort('D1');
    const say = (text: string) => tutor.onMessage({ teamId: 'T1', userId: 'U1', dmChannel: 'D1' }, text, port);
    return { tutor, sandbox, say, port };
  }
  const pullScripts = (s: FakeSandbox) => s.callsOf('execScript').filter((c) => c.script.includes('docker pull'));

  it('when the lesson opens (its step\'s image only), the next step\'s when the learner advances, and again after a reset; the card is not held back', async () => {
    const t = await tutorWith(['busybox:latest', 'hello-world:latest']);
    await t.say('start basics');
    expect(t.port.replies.some((r) => / · step 1 of 2: /.test(r.text))).toBe(true);
    await settle();
    expect(pullScripts(t.sandbox)).toHaveLength(1);
    expect(pullScripts(t.sandbox)[0]!.script).toContain("'hello-world:latest'");
    expect(pullScripts(t.sandbox)[0]!.script).not.toContain('busybox');
    expect(t.sandbox.callsOf('prepare')).toHaveLength(1);
    // An image the sandbox has is not pulled again.
    expect(pullScripts(t.sandbox)[0]!.script).toContain("docker image inspect 'hello-world:latest' >/dev/null 2>&1 && echo 'present hello-world:latest' ||");
    await t.say('skip');
    expect(t.port.replies.some((r) => / · step 2 of 2: /.test(r.text))).toBe(true);
    await settle();
    expect(pullScripts(t.sandbox)).toHaveLength(2);
    expect(pullScripts(t.sandbox)[1]!.script).toContain("'busybox:latest'");
    expect(pullScripts(t.sandbox)[1]!.script).not.toContain('hello-world');
    await t.say('reset');
    await settle();
    expect(pullScripts(t.sandbox)).toHaveLength(3);
    expect(pullScripts(t.sandbox)[2]!.script).toContain("'busybox:latest'");
    expect(t.sandbox.callsOf('prepare')).toHaveLength(2);
    expect(t.tutor.prePulls).toMatchObject({ started: 3, finished: 3, failed: 0 });
  });

  it('starts the sandbox and its pull only after the lesson card is out (a class opening the lesson: cards first)', async () => {
    const t = await tutorWith(['hello-world:latest']);
    const repliesAtPrepare: number[] = [];
    const prepare = t.sandbox.prepare.bind(t.sandbox);
    t.sandbox.prepare = (key: string) => (repliesAtPrepare.push(t.port.replies.length), prepare(key));
    // a learner never seen before: their first message opens the lesson
    await t.tutor.onMessage({ teamId: 'T1', userId: 'U2', dmChannel: 'D2' }, 'start basics', t.port);
    await settle();
    expect(t.port.replies.findIndex((r) => / · step 1 of 2: /.test(r.text))).toBe(t.port.replies.length - 1);
    // asked for after the card, by the lesson and by the first contact (the second finds it starting)
    expect(repliesAtPrepare.length).toBeGreaterThan(0);
    expect(Math.min(...repliesAtPrepare)).toBe(t.port.replies.length);
    expect(pullScripts(t.sandbox)).toHaveLength(1);
  });

  it('the pull waits while a learner\'s sandbox is starting (their wait comes first), and runs once it is up', async () => {
    const t = await tutorWith(['hello-world:latest']);
    let started!: () => void;
    t.sandbox.prepare = () => new Promise<void>((r) => (started = r));
    await t.say('start basics');
    await settle();
    expect(pullScripts(t.sandbox)).toHaveLength(0);
    expect(t.tutor.prePulls).toMatchObject({ waiting: 1, started: 0 });
    started();
    await settle();
    await settle();
    expect(pullScripts(t.sandbox)).toHaveLength(1);
  });

  it('into a sandbox made later in the lesson (after an idle removal, a crash), unless a pull for the learner runs already', async () => {
    const { sandbox, running } = heldPulls();
    const t = await tutorWith(['hello-world:latest'], sandbox);
    t.tutor.sandboxCreated('T1:U1');
    await settle();
    expect(pullScripts(t.sandbox)).toHaveLength(0); // not in a lesson yet
    await t.say('start basics');
    await settle();
    t.tutor.sandboxCreated('T1:U1'); // the sandbox the lesson's opening started: its pull is running
    await settle();
    running.get('T1:U1')!();
    await settle();
    expect(pullScripts(t.sandbox)).toHaveLength(1);
    t.tutor.sandboxCreated('T1:U1'); // later: a new sandbox on the learner's next command
    t.tutor.sandboxCreated('not a learner key');
    await settle();
    await settle();
    expect(pullScripts(t.sandbox)).toHaveLength(2);
    running.get('T1:U1')!();
  });

  it('not after a reset outside a lesson (the next command starts the fresh sandbox, as before)', async () => {
    const t = await tutorWith(['hello-world:latest']);
    await t.say('reset');
    await settle();
    expect(pullScripts(t.sandbox)).toHaveLength(0);
    expect(t.sandbox.callsOf('prepare')).toHaveLength(0);
  });
});
