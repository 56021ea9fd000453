import * as path from 'node:path';
import Docker from 'dockerode';
import pino from 'pino';
import { runCheck } from '../../src/lessons/check-outcome';
import { loadLessons } from '../../src/lessons/lesson-loader';
import type { LessonSandbox, LessonSandboxFactory } from '../../src/lessons/lesson-sandbox';
import { formatResultsTable, testCourse, testLesson } from '../../src/lessons/lesson-test-runner';
import { ManagerLessonSandboxFactory } from '../../src/lessons/manager-lesson-sandbox';
import type { Lesson, LessonStep } from '../../src/lessons/types';
import { ensureImages } from '../../src/images/images';
import { SandboxManager } from '../../src/sandbox/lifecycle/sandbox-manager';
import { testProfile } from '../sandbox/sandbox-fixture';

// Real sandboxes from the real SandboxManager, on the real engine: no Docker means these tests fail.
const docker = new Docker();
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const instance = `test-lessons-${process.pid}`;
let manager: SandboxManager;
let factory: ManagerLessonSandboxFactory;
let lessons: Lesson[];

beforeAll(async () => {
  const images = await ensureImages({ docker, log: logger });
  manager = new SandboxManager(
    docker,
    {
      profile: testProfile(),
      memoryMb: 1024,
      cpus: 1,
      pidsLimit: 512,
      idleMinutes: 20,
      maxLifetimeMinutes: 60,
      maxSandboxes: 3,
      warmPool: 0,
      commandTimeoutSeconds: 60,
      commandMaxTimeoutSeconds: 600,
      outputCapBytes: 256 * 1024,
      commandsPerMinute: 600,
      blockEgress: false,
    },
    logger,
    { image: images.sandboxImage, mirrorUrl: images.mirrorUrl, instance },
  );
  await manager.start({ isKnown: () => false });
  factory = new ManagerLessonSandboxFactory(manager);
  lessons = (await loadLessons(path.join(__dirname, '../../lessons'))).lessons;
}, 15 * 60_000);

afterAll(async () => {
  await manager?.stop();
  // Sandboxes are reset by each test; this removes anything a failed test left.
  const left = await docker.listContainers({ all: true, filters: { label: [`dockhand.instance=${instance}`] } });
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined)));
});

const lesson = (id: string) => {
  const l = lessons.find((x) => x.id === id);
  if (!l) throw new Error(`lesson ${id} not shipped`);
  return l;
};

function synthetic(id: string, steps: Partial<LessonStep>[]): Lesson {
  return {
    id,
    kind: 'lesson',
    title: id,
    summary: id,
    level: 'beginner',
    minutes: 1,
    images: [],
    prerequisites: [],
    dir: '/nonexistent',
    manifestPath: '/nonexistent/lesson.yaml',
    steps: steps.map((s, index) => ({
      id: `s${index + 1}`,
      index,
      title: 't',
      body: 'b',
      check: 'test -f ~/done',
      hints: [],
      solution: ['touch ~/done'],
      autoCheck: true,
      checkTimeoutMs: 5000,
      solutionTimeoutMs: 30_000,
      ...s,
    })),
  };
}

test('a real lesson passes every step: each check fails before its solution and passes after', async () => {
  const t0 = Date.now();
  const results = await testLesson(lesson('running-containers'), factory);
  const table = formatResultsTable(results);
  expect(results.map((r) => `${r.stepId} ${r.result} ${r.detail}`.trim())).toEqual(lesson('running-containers').steps.map((s) => `${s.id} PASS`));
  expect(table).toMatch(/^LESSON\s+STEP\s+RESULT\s+SECONDS\s+DETAIL\n/);
  const n = lesson('running-containers').steps.length;
  expect(table).toMatch(new RegExp(`\n${n}/${n} steps passed in [\\d.]+ s$`));
  // every step of the shipped lesson has wrong attempts, and the check rejected each of them
  expect(results.every((r) => (r.wrongRejected ?? 0) >= 1)).toBe(true);
  // Recorded for the report: the whole lesson including the sandbox start.
  console.log(`running-containers: ${((Date.now() - t0) / 1000).toFixed(1)} s\n${table}`);
}, 300_000);

test('an exercise with a setup script passes: setup runs before the first check', async () => {
  const results = await testLesson(lesson('numbers-in-a-container'), factory);
  expect(results).toEqual([expect.objectContaining({ stepId: 'mean', result: 'PASS' })]);
}, 300_000);

test('a check that already passes before the solution is a failure, and later steps are skipped', async () => {
  const results = await testLesson(synthetic('free-step', [{ check: 'true' }, {}]), factory);
  expect(results.map((r) => [r.stepId, r.result, r.detail])).toEqual([
    ['s1', 'FAIL', 'check passed before the solution ran (a learner would get the step for free)'],
    ['s2', 'SKIP', 'an earlier step failed'],
  ]);
}, 120_000);

test('a failing solution and a failing setup are reported with their exit code and last line', async () => {
  const bad = await testLesson(synthetic('bad-solution', [{ solution: ['echo about to fail', 'ls /nope'] }]), factory);
  expect(bad[0]).toMatchObject({ result: 'FAIL', detail: expect.stringMatching(/^solution exited 2: ls: cannot access '\/nope': No such file or directory$/) });
  const setup = await testLesson(synthetic('bad-setup', [{ setup: 'echo FAIL: cannot prepare; exit 4' }]), factory);
  expect(setup[0]).toMatchObject({ result: 'FAIL', detail: 'setup exited 4: FAIL: cannot prepare' });
}, 120_000);

test('a solution the check does not accept fails with the check message', async () => {
  const r = await testLesson(synthetic('wrong-solution', [{ check: 'test -f ~/other || { echo "FAIL: ~/other is missing"; exit 1; }' }]), factory);
  expect(r[0]).toMatchObject({ result: 'FAIL', detail: 'check still fails after the solution (failed): ~/other is missing' });
}, 120_000);

describe('bad check scripts in a real sandbox', () => {
  let sandbox: LessonSandbox;
  beforeAll(async () => {
    sandbox = await factory.create('bad-checks');
  }, 120_000);
  afterAll(async () => {
    await sandbox?.dispose();
  });

  test('a check that hangs is stopped at its timeout and reported as a failure with the reason', async () => {
    // reason 'timeout' comes from the runner's own 2 s bound; without it this would wait for the 60 s test timeout.
    const o = await runCheck(sandbox, { check: 'echo started; sleep 600', checkTimeoutMs: 2000 });
    expect(o).toMatchObject({ passed: false, reason: 'timeout', message: 'The check did not finish within 2 s, so the step is not marked done.' });
    // the sandbox is still usable afterwards
    expect((await runCheck(sandbox, { check: 'echo fine', checkTimeoutMs: 5000 })).passed).toBe(true);
  }, 60_000);

  test('a check that fails silently gets a plain message with its exit code', async () => {
    const o = await runCheck(sandbox, { check: 'exit 7', checkTimeoutMs: 5000 });
    expect(o).toMatchObject({ passed: false, reason: 'failed', exitCode: 7, message: 'Not done yet (the check exited with code 7 and printed no message).' });
  }, 60_000);

  test('a check that prints megabytes gives a precise, chat-sized result', async () => {
    const o = await runCheck(sandbox, { check: 'head -c 5000000 /dev/zero | tr "\\0" "x"; echo; echo "FAIL: too chatty"; exit 1', checkTimeoutMs: 10_000 });
    // The sandbox stops a script that floods (more than 1 MiB, or 8x its cap when larger) instead of reading it all.
    expect(o).toMatchObject({ passed: false, reason: 'stopped', exitCode: null });
    expect(o.message).toBe('The check printed too much output (64 KiB kept) and was stopped, so the step is not marked done.');
    // A check whose output stays under the flood limit keeps its verdict line, however long the output.
    const long = await runCheck(sandbox, { check: 'seq 1 20000; echo "FAIL: still counting"; exit 1', checkTimeoutMs: 10_000 });
    expect(long).toMatchObject({ passed: false, reason: 'failed', message: 'still counting' });
  }, 60_000);
});

describe('wrong attempts: each runs after the first failing check, and the check must reject it too', () => {
  test('a wrong attempt the check accepts fails the step, naming the attempt, and later steps are skipped', async () => {
    const r = await testLesson(synthetic('lax-check', [{ wrong: [{ why: 'makes the file by hand', run: ['touch ~/done'], undo: [] }] }, {}]), factory);
    expect(r.map((x) => [x.stepId, x.result, x.detail])).toEqual([
      ['s1', 'FAIL', 'wrong attempt 1 (makes the file by hand) passed the check: Done!'],
      ['s2', 'SKIP', 'an earlier step failed'],
    ]);
  }, 120_000);

  test('rejected attempts are counted and undone before the solution; `expect` must be in the message', async () => {
    const check = 'v=$(cat ~/done 2>/dev/null); [ "$v" = yes ] || { echo "FAIL: done says ${v:-nothing}"; exit 1; }';
    // noclobber: the solution cannot overwrite ~/done, so it passes only if the undo removed the wrong attempt's file
    const solution = ['set -o noclobber', 'echo yes > ~/done'];
    const ok = await testLesson(synthetic('strict-check', [{ check, solution, wrong: [{ why: 'says no', run: ['echo no > ~/done'], undo: ['rm ~/done'], expect: 'says no' }] }]), factory);
    expect(ok).toEqual([expect.objectContaining({ stepId: 's1', result: 'PASS', detail: '', wrongRejected: 1 })]);
    const table = formatResultsTable(ok);
    expect(table).toContain('1 wrong attempt rejected; passed steps without one: none');

    const vague = await testLesson(synthetic('vague-check', [{ check, solution, wrong: [{ why: 'says no', run: ['echo no > ~/done'], undo: ['rm ~/done'], expect: 'squatter' }] }]), factory);
    expect(vague[0]).toMatchObject({ result: 'FAIL', detail: 'wrong attempt 1 (says no): the check said "done says no", which does not mention "squatter"' });
  }, 180_000);
});

describe('--one-sandbox: the whole course in one sandbox, as a learner takes it', () => {
  // Lesson a leaves ~/left behind; lesson b's step is "make ~/left". In a fresh sandbox b is fine; after a it is free.
  const a = synthetic('leaves-a-file', [{ check: 'test -f ~/left', solution: ['touch ~/left'] }]);
  const b = synthetic('wants-that-file', [{ check: 'test -f ~/left', solution: ['touch ~/left'] }]);

  test('what one lesson leaves behind meets the next one: a step that is free after it fails the course run', async () => {
    const created: string[] = [];
    const counting: LessonSandboxFactory = { create: (name) => (created.push(name), factory.create(name)) };
    const alone = await testLesson(b, counting);
    expect(alone.map((x) => x.result)).toEqual(['PASS']);
    created.length = 0;
    const seen: string[] = [];
    const course = await testCourse([a, b], counting, { onLesson: (l) => seen.push(l.id) });
    expect(created).toEqual(['lesson-test-course']);
    expect(seen).toEqual(['leaves-a-file', 'wants-that-file']);
    expect(course.map((x) => [x.lessonId, x.result, x.detail])).toEqual([
      ['leaves-a-file', 'PASS', ''],
      ['wants-that-file', 'FAIL', 'check passed before the solution ran (a learner would get the step for free)'],
    ]);
  }, 240_000);
});
