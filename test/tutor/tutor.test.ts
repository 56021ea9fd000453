import { AppError } from '../../src/errors';
import { LessonCatalog } from '../../src/lessons/lesson-catalog';
import type { Lesson } from '../../src/lessons/types';
import type { CommandResult } from '../../src/sandbox/types';
import type { Reply } from '../../src/tutor/reply';
import { Tutor, type ChallengeHooks } from '../../src/tutor/tutor';
import { captureLogs } from '../support/capture-logs';
import { FakeSandbox } from '../support/fakes/fake-sandbox';
import { makeLesson } from '../support/fakes/lessons';
import { createMemoryStores } from '../support/fakes/memory-stores';
import { RecordingPort } from '../support/fakes/recording-port';
import { VirtualClock } from '../support/fakes/virtual-clock';

/**
 * The tutor driven in process: in-memory stores, a scripted sandbox and a recording port. What the
 * learner sees is the port's replies; what the tutor remembers is read back through the stores.
 */

const course = (): Lesson[] => [
  makeLesson('basics', {
    title: 'Container basics',
    intro: '  Containers are processes.\n',
    finish: 'You can run containers now.',
    steps: [{ id: 'run', title: 'Run one' }, { id: 'list', title: 'List them', setup: 'setup-list' }, { id: 'stop', title: 'Stop one' }],
  }),
  makeLesson('images', { title: 'Building images', steps: [{ id: 'build', title: 'Build', autoCheck: true }, { id: 'tag', title: 'Tag' }] }),
  makeLesson('nginx-race', { kind: 'exercise', title: 'NGINX race', steps: [{ id: 'serve', title: 'Serve' }] }),
];

function setup(opts: { lessons?: Lesson[]; challenges?: ChallengeHooks } = {}) {
  const clock = new VirtualClock();
  const stores = createMemoryStores({ now: clock.now });
  const sandbox = new FakeSandbox();
  const { log, logs } = captureLogs();
  const catalog = new LessonCatalog(opts.lessons ?? course());
  const make = () => new Tutor({ learners: stores.learners, store: stores.tutor, catalog, sandboxes: sandbox, log, challenges: opts.challenges });
  const tutor = make();
  const progressEvents: string[] = [];
  tutor.events.on('progress', (e) => progressEvents.push(`${e.teamId}/${e.userId}`));
  const port = new RecordingPort('D1');
  const ref = { teamId: 'T1', userId: 'U1', dmChannel: 'D1' };
  const learnerId = async () => (await stores.learners.find('T1', 'U1'))!.id;
  /** A learner who has talked to the tutor before (no welcome). */
  const known = async () => {
    await stores.learners.ensureLearner('T1', 'U1');
    return learnerId();
  };
  const say = (text: string) => tutor.onMessage(ref, text, port);
  const press = (actionId: string, value?: string) => tutor.onAction(ref, actionId, value, port);
  return { clock, stores, sandbox, tutor, make, port, ref, logs, progressEvents, learnerId, known, say, press };
}

const lastText = (port: RecordingPort) => port.lastReply()?.text;
const stepCardOf = (replies: Reply[]) => replies.filter((r) => / · step \d+ of \d+: /.test(r.text)).map((r) => r.text);

/** A sandbox command the test finishes by hand. */
function held() {
  let finish!: (r: Partial<CommandResult>) => void;
  const result = new Promise<Partial<CommandResult>>((resolve) => (finish = resolve));
  return { result: () => result, finish };
}

describe('Tutor: first contact', () => {
  it('welcomes a new learner with the help text and a button to the lessons, and remembers them and their DM', async () => {
    const t = setup();
    await t.tutor.onMessage({ ...t.ref, displayName: async () => 'Ada' }, 'hello', t.port);
    expect(t.port.replies).toHaveLength(1);
    expect(t.port.replies[0]).toMatchObject({ text: 'Welcome to Dockhand!', buttons: [{ actionId: 'tutor:lessons' }] });
    expect(t.port.replies[0]!.sections!.join('\n')).toContain('`$ <command>`');
    expect(await t.stores.learners.find('T1', 'U1')).toMatchObject({ displayName: 'Ada' });
    expect(await t.stores.tutor.dmChannelOf('T1', 'U1')).toBe('D1');
    // Second message: no welcome again.
    await t.say('hello');
    expect(lastText(t.port)).toMatch(/^I don't know "hello"/);
  });

  it('acts on a first message that is already a request, without the welcome', async () => {
    const t = setup();
    await t.say('start basics');
    expect(t.port.texts()).not.toContain('Welcome to Dockhand!');
    expect(stepCardOf(t.port.replies)).toEqual(['Container basics · step 1 of 3: Run one']);
  });

  it("starts a new learner's sandbox before Slack has told their name (users.info is slow in a burst)", async () => {
    const t = setup();
    let answerName!: (name: string) => void;
    const name = new Promise<string>((resolve) => (answerName = resolve));
    const turn = t.tutor.onMessage({ ...t.ref, displayName: () => name }, '$ echo hi', t.port);
    // the learner is stored and their sandbox asked for while the name lookup still waits
    for (let i = 0; i < 20 && !t.sandbox.calls.some((c) => c.op === 'prepare'); i++) await new Promise((r) => setImmediate(r));
    expect(t.sandbox.calls.filter((c) => c.op === 'prepare')).toEqual([{ op: 'prepare', learnerKey: 'T1:U1' }]);
    expect(await t.stores.learners.find('T1', 'U1')).toMatchObject({ displayName: null });
    answerName('Ada');
    await turn;
    expect(await t.stores.learners.find('T1', 'U1')).toMatchObject({ displayName: 'Ada' });
    expect(t.sandbox.calls.filter((c) => c.op === 'prepare')).toHaveLength(1);
  });

  it('still learns the learner when their name cannot be looked up', async () => {
    const t = setup();
    await t.tutor.onMessage({ ...t.ref, displayName: async () => Promise.reject(new Error('users.info failed')) }, 'help', t.port);
    expect(await t.stores.learners.find('T1', 'U1')).toMatchObject({ displayName: null });
    // `help` on first contact gets the welcome, which holds the help text.
    expect(lastText(t.port)).toBe('Welcome to Dockhand!');
  });
});

describe('Tutor: moving through a lesson', () => {
  it('starts a lesson with its intro and first step card, records it as active and announces progress', async () => {
    const t = setup();
    const id = await t.known();
    await t.say('start basics');
    expect(t.port.replies[0]).toMatchObject({ text: 'Container basics', markdown: 'Containers are processes.' });
    expect(t.port.replies[1]).toMatchObject({ text: 'Container basics · step 1 of 3: Run one', markdown: '**Run one**\n\nBody of run.' });
    expect(await t.stores.tutor.activeLesson(id)).toMatchObject({ lessonId: 'basics', stepId: 'run' });
    expect(t.progressEvents).toEqual(['T1/U1']);
  });

  it.each([
    ['2', 'Building images'],
    ['building images', 'Building images'],
    ['ngin', 'NGINX race'],
    ['BASICS', 'Container basics'],
  ])('finds the lesson for "start %s"', async (arg, title) => {
    const t = setup();
    await t.known();
    await t.say(`start ${arg}`);
    expect(stepCardOf(t.port.replies)[0]).toMatch(new RegExp(`^${title} · step 1`));
  });

  it('says so for a lesson it does not know, and starts nothing', async () => {
    const t = setup();
    const id = await t.known();
    await t.say('start kubernetes');
    expect(lastText(t.port)).toBe('I don\'t know a lesson called "kubernetes". Type `lessons` for the list.');
    expect(await t.stores.tutor.activeLesson(id)).toBeNull();
    expect(t.progressEvents).toEqual([]);
  });

  it('with no argument, continues the active lesson, else the first unfinished one', async () => {
    const t = setup();
    const id = await t.known();
    await t.say('start');
    expect(stepCardOf(t.port.replies)).toEqual(['Container basics · step 1 of 3: Run one']);
    await t.stores.tutor.completeStep(id, 'basics', 'run', 'list', { skipped: true });
    await t.stores.tutor.completeStep(id, 'basics', 'list', 'stop', { skipped: true });
    await t.stores.tutor.completeStep(id, 'basics', 'stop', null, { skipped: true });
    await t.say('start');
    expect(stepCardOf(t.port.replies).at(-1)).toBe('Building images · step 1 of 2: Build');
  });

  it('gives hints one by one, counts them, and says when there are no more', async () => {
    const t = setup();
    const id = await t.known();
    await t.say('start basics');
    await t.say('hint');
    await t.say('hint');
    await t.say('hint');
    expect(t.port.replies.slice(-3).map((r) => [r.text, r.context])).toEqual([
      ['Hint: first hint for run', 'Hint 1 of 2; ask again for the next.'],
      ['Hint: second hint for run', 'That was the last hint; `solution` shows the commands.'],
      ['Hint: second hint for run', 'That was the last hint; `solution` shows the commands.'],
    ]);
    expect((await t.stores.tutor.summaries(id))[0]!.hintsUsed).toBe(3);
  });

  it('checks a step in the sandbox: a failure shows the check\'s last line and a Hint button, and counts the attempt', async () => {
    const t = setup();
    const id = await t.known();
    await t.say('start basics');
    t.sandbox.failCheck('check-run', 'FAIL: no container is running');
    await t.say('check');
    expect(t.port.lastReply()).toMatchObject({ text: 'Not done yet: no container is running', buttons: [{ actionId: 'tutor:hint', value: 'basics:run' }] });
    // checks go to the trusted runner, never into the sandbox's own shell
    expect(t.sandbox.callsOf('execScript').filter((c) => c.script.includes('check-run'))).toEqual([]);
    const scripts = t.sandbox.callsOf('checkScript');
    expect(scripts.at(-1)).toMatchObject({ learnerKey: 'T1:U1', script: 'exec 2>&1\ncheck-run', timeoutMs: 10_000 });
    expect((await t.stores.tutor.summaries(id))[0]).toMatchObject({ attempts: 1, stepsCompleted: 0 });
    expect(await t.stores.tutor.activeLesson(id)).toMatchObject({ stepId: 'run' });
  });

  it('on a passing check, congratulates and moves to the next step, running its setup first', async () => {
    const t = setup();
    const id = await t.known();
    await t.say('start basics');
    t.sandbox.passCheck('check-run', 'PASS: a container ran');
    await t.say('check');
    expect(t.port.texts().slice(-2)).toEqual([':white_check_mark: a container ran', 'Container basics · step 2 of 3: List them']);
    expect(t.sandbox.callsOf('checkScript').map((c) => c.script)).toEqual(['exec 2>&1\ncheck-run']);
    expect(t.sandbox.callsOf('execScript').map((c) => c.script)).toEqual(['exec 2>&1\ncd ~\nsetup-list']);
    expect(await t.stores.tutor.activeLesson(id)).toMatchObject({ stepId: 'list' });
    expect((await t.stores.tutor.summaries(id))[0]).toMatchObject({ stepsCompleted: 1 });
  });

  it('`next` on an unfinished step asks to finish or skip it first', async () => {
    const t = setup();
    await t.known();
    await t.say('start basics');
    t.sandbox.failCheck('check-run', 'nothing yet');
    await t.say('next');
    expect(t.port.lastReply()!.sections![0]).toBe('Finish this step first (or `skip` it).');
    expect(t.port.lastReply()!.plain).toEqual(['Not done yet: nothing yet']);
  });

  it('tells the learner when a step setup fails, and still shows the step', async () => {
    const t = setup();
    await t.known();
    await t.say('start basics');
    t.sandbox.onScript('setup-list', { exitCode: 2, output: 'boom' });
    await t.say('skip');
    expect(t.port.texts().slice(-2)).toEqual(['I could not prepare your sandbox for this step. Try `reset`, then `start` again.', 'Container basics · step 2 of 3: List them']);
    expect(t.logs.some((l) => l.msg === 'step setup failed' && l.stepId === 'list')).toBe(true);
  });

  it('reports a check that cannot run, without counting the step done', async () => {
    const t = setup();
    const id = await t.known();
    await t.say('start basics');
    t.sandbox.onScript('check-run', new AppError('SANDBOX_NOT_READY', 'starting'));
    await t.say('check');
    expect(lastText(t.port)).toBe('I could not run the check right now (SANDBOX_NOT_READY). Try again in a moment.');
    expect(await t.stores.tutor.activeLesson(id)).toMatchObject({ stepId: 'run' });
  });

  it('tells a learner whose sandbox predates the trusted check socket to reset, not to try again', async () => {
    const t = setup();
    const id = await t.known();
    await t.say('start basics');
    t.sandbox.onScript('check-run', new AppError('SANDBOX_OUTDATED', 'no engine socket folder'));
    await t.say('check');
    expect(lastText(t.port)).toBe('Your sandbox was made by an older version of Dockhand, and its checks cannot run in it. Type `reset` for a fresh one (your progress is kept).');
    expect(await t.stores.tutor.activeLesson(id)).toMatchObject({ stepId: 'run' });
  });

  it('finishes a lesson after its last step with a summary and the next lesson\'s button', async () => {
    const t = setup();
    const id = await t.known();
    await t.say('start basics');
    await t.say('skip');
    await t.say('skip');
    t.sandbox.passCheck('check-stop');
    await t.say('check');
    const summary = t.port.lastReply()!;
    expect(summary.text).toBe('You finished Container basics!');
    expect(summary.sections).toEqual([':tada: *You finished Container basics!* 3 steps, 1 checks, 0 hints, under a minute of work.']);
    expect(summary.markdown).toBe('You can run containers now.');
    expect(summary.buttons).toEqual([{ label: 'Next: Building images', actionId: 'tutor:start:images', value: 'images', style: 'primary' }]);
    expect(await t.stores.tutor.activeLesson(id)).toBeNull();
    expect((await t.stores.tutor.summaries(id))[0]!.completedAt).toBeInstanceOf(Date);
  });

  it('shows the solution as commands to type', async () => {
    const t = setup({ lessons: [makeLesson('l', { steps: [{ id: 's', solution: ['docker run -d `x`', 'docker ps'] }] })] });
    await t.known();
    await t.say('start l');
    await t.say('solution');
    expect(t.port.lastReply()!.sections).toEqual(['*Solution*: run these, one per message:', "`$ docker run -d 'x'`\n`$ docker ps`"]);
  });

  it('pauses a lesson, and `start` later resumes it with a welcome back', async () => {
    const t = setup();
    const id = await t.known();
    await t.say('start basics');
    await t.say('skip');
    await t.say('stop');
    expect(lastText(t.port)).toBe('Paused *Container basics*. `start basics` continues where you left off.');
    expect(await t.stores.tutor.activeLesson(id)).toBeNull();
    await t.say('stop');
    expect(lastText(t.port)).toBe('No lesson is running. Type `lessons` to pick one.');
    await t.say('start basics');
    expect(t.port.lastReply()!.sections![0]).toBe('Welcome back! *Container basics · step 2 of 3*');
    // A resumed step does not run its setup again.
    expect(t.sandbox.callsOf('execScript').filter((c) => c.script.endsWith('\nsetup-list'))).toHaveLength(1);
  });

  it('step words outside a lesson point to the lesson list', async () => {
    const t = setup();
    await t.known();
    for (const w of ['hint', 'check', 'solution', 'skip', 'next']) {
      await t.say(w);
      expect(lastText(t.port)).toBe(`\`${w}\` works inside a lesson, and none is running. Type \`lessons\` to pick one.`);
    }
    expect(t.sandbox.calls).toEqual([]);
  });

  it('a seeded step: every attempt (start, resume) gets a fresh seed, passed to its setup, and its check reads that seed', async () => {
    const t = setup({ lessons: [makeLesson('mean', { kind: 'exercise', steps: [{ id: 'compute', setup: 'numbers "$DOCKHAND_SEED" > ~/n', check: 'check-mean' }] })] });
    await t.known();
    await t.say('start mean');
    await t.say('check');
    await t.say('stop');
    await t.say('start mean');
    expect(t.sandbox.callsOf('newSeed').map((c) => [c.name, c.value])).toEqual([
      ['mean.compute', '1001'],
      ['mean.compute', '1002'],
    ]);
    expect(t.sandbox.callsOf('execScript').map((c) => c.script)).toEqual([
      'exec 2>&1\ncd ~\nexport DOCKHAND_SEED=1001\nnumbers "$DOCKHAND_SEED" > ~/n',
      'exec 2>&1\ncd ~\nexport DOCKHAND_SEED=1002\nnumbers "$DOCKHAND_SEED" > ~/n',
    ]);
    expect(t.sandbox.callsOf('checkScript')).toEqual([expect.objectContaining({ script: 'exec 2>&1\ncheck-mean', seed: 'mean.compute' })]);
  });

  it('lists lessons with progress and shows progress per lesson', async () => {
    const t = setup();
    await t.known();
    await t.say('start basics');
    await t.say('skip');
    await t.say('lessons');
    expect(t.port.lastReply()!.sections![1]).toMatch(/\*1\. Container basics\* \(`basics`, \d+ min, 1\/3 steps done\)/);
    // Exercises are not in the lesson list.
    expect(t.port.buttons().filter((b) => b.startsWith('tutor:start:'))).toEqual(['tutor:start:basics', 'tutor:start:images']);
    await t.say('progress');
    expect(t.port.lastReply()!.sections![1]).toBe('• *Container basics*: 1/3 steps, current, at "List them"; 0 checks, 0 hints, under a minute');
  });
});

describe('Tutor: shell commands', () => {
  it('runs `$ command` in the learner\'s sandbox, streams its screens and finishes the view with the result', async () => {
    const t = setup();
    const id = await t.known();
    t.sandbox.onCommand('docker ps', { output: 'CONTAINER ID\n', exitCode: 0, durationMs: 321.6 }, { screens: ['CONT', 'CONTAINER ID'] });
    await t.say('$ docker ps');
    const view = t.port.views[0]!;
    expect(view.command).toBe('docker ps');
    const outcome = await view.done;
    expect(view.screens).toEqual(['CONT', 'CONTAINER ID']);
    expect(outcome).toMatchObject({ command: 'docker ps', output: 'CONTAINER ID\n', exitCode: 0, notices: [] });
    expect(t.sandbox.callsOf('run')).toEqual([{ op: 'run', learnerKey: 'T1:U1', command: 'docker ps', timeoutMs: undefined }]);
    const run = [...t.stores.db.commandRuns.values()][0]!;
    expect(run).toMatchObject({ learnerId: id, command: 'docker ps', channel: 'D1', exitCode: 0, durationMs: 322, outputBytes: 13, interrupted: false });
    expect(run.finishedAt).toBeInstanceOf(Date);
  });

  it('checks an auto-check step after each command and moves on when it passes', async () => {
    const t = setup();
    const id = await t.known();
    await t.say('start images');
    t.sandbox.passCheck('check-build', 'PASS: image built');
    await t.say('$ docker build -t app .');
    await t.port.waitForReply('Building images · step 2 of 2');
    expect(t.port.texts().slice(-2)).toEqual([':white_check_mark: image built', 'Building images · step 2 of 2: Tag']);
    expect(await t.stores.tutor.activeLesson(id)).toMatchObject({ stepId: 'tag' });
  });

  it('types the next message into a command that waits for input, Enter included, but runs a new `$ command` as a command', async () => {
    const t = setup();
    await t.known();
    t.sandbox.onCommand('read name', { output: 'name? ', exitCode: null, waitingForInput: true });
    t.sandbox.onInput('Ada\n', { output: 'hello Ada\n', exitCode: 0 });
    await t.say('$ read name');
    expect(await t.port.views[0]!.done).toMatchObject({ waitingForInput: true });
    await t.say('Ada');
    const input = t.port.views[1]!;
    expect(input.command).toBe('read name  ⟵ Ada');
    expect(await input.done).toMatchObject({ output: 'hello Ada\n', exitCode: 0 });
    expect(t.sandbox.callsOf('sendInput')).toEqual([{ op: 'sendInput', learnerKey: 'T1:U1', text: 'Ada\n' }]);
    expect([...t.stores.db.commandRuns.values()].map((r) => r.command)).toEqual(['read name', '(input) Ada']);

    // Waiting again: a `$ command` is not typed into it.
    t.sandbox.onCommand('cat', { exitCode: null, waitingForInput: true });
    await t.say('$ cat');
    await t.port.views[2]!.done;
    await t.say('$ ls');
    expect(t.port.views[3]!.command).toBe('ls');
    expect(t.sandbox.callsOf('run').map((c) => c.command)).toEqual(['read name', 'cat', 'ls']);
  });

  it('explains a sandbox failure in the command\'s view and records the run as interrupted', async () => {
    const t = setup();
    await t.known();
    t.sandbox.onCommand('docker ps', new AppError('SANDBOX_CREATE_FAILED', 'no capacity'), { times: 1 });
    t.sandbox.onCommand('yes', new AppError('RATE_LIMITED', 'Slow down: 30 commands a minute at most.'), { times: 1 });
    await t.say('$ docker ps');
    expect((await t.port.views[0]!.done).notices).toEqual(['Your sandbox could not run that (SANDBOX_CREATE_FAILED). Try again, or `reset` for a fresh sandbox.']);
    await t.say('$ yes');
    expect(await t.port.views[1]!.done).toMatchObject({ interrupted: true, exitCode: null, notices: ['Slow down: 30 commands a minute at most.'] });
    expect([...t.stores.db.commandRuns.values()].every((r) => r.interrupted && r.finishedAt)).toBe(true);
  });

  it('does not wait for a long command: the learner can press Ctrl-C meanwhile', async () => {
    const t = setup();
    await t.known();
    const sleep = held();
    t.sandbox.onCommand('sleep 100', sleep.result);
    await t.say('$ sleep 100');
    expect(t.port.views[0]!.outcome).toBeUndefined();
    await t.press('tutor:ctrl-c', 'ctrl-c');
    expect(t.sandbox.callsOf('interrupt')).toEqual([{ op: 'interrupt', learnerKey: 'T1:U1' }]);
    sleep.finish({ interrupted: true, exitCode: null });
    expect(await t.port.views[0]!.done).toMatchObject({ interrupted: true });
  });

  it('after a restart, tells each learner whose command was cut short, once', async () => {
    const t = setup();
    await t.known();
    const sleep = held();
    t.sandbox.onCommand('sleep 100', sleep.result);
    await t.say('$ sleep 100');
    // A new process over the same stores (the first one went away mid-command).
    const next = t.make();
    const ports = new Map<string, RecordingPort>();
    const portFor = (_team: string, user: string, channel: string) => ports.get(`${user}@${channel}`) ?? ports.set(`${user}@${channel}`, new RecordingPort(channel)).get(`${user}@${channel}`)!;
    expect(await next.recoverAfterRestart('T1', portFor)).toBe(1);
    expect(ports.get('U1@D1')!.texts()).toEqual(['I restarted while `sleep 100` was running, so it was interrupted. Your sandbox and your progress are kept; run it again if you need to.']);
    expect(await next.recoverAfterRestart('T1', portFor)).toBe(0);
    sleep.finish({});
  });

  it('resets the sandbox on `reset` and on the App Home button, keeping the lesson', async () => {
    const t = setup();
    const id = await t.known();
    await t.say('start basics');
    await t.say('reset');
    await t.press('tutor:reset', 'reset');
    expect(t.sandbox.callsOf('reset')).toHaveLength(2);
    expect(t.port.texts().slice(-2)).toEqual([expect.stringMatching(/^Your sandbox was reset/), expect.stringMatching(/^Your sandbox was reset/)]);
    expect(await t.stores.tutor.activeLesson(id)).toMatchObject({ lessonId: 'basics' });
  });
});

describe('Tutor: messages it cannot act on', () => {
  it('refuses an over-long message without reading it', async () => {
    const t = setup();
    await t.known();
    await t.say(`$ echo ${'x'.repeat(5000)}`);
    expect(lastText(t.port)).toMatch(/^That message is 5,007 characters long; I read at most 4,000\./);
    expect(t.sandbox.calls).toEqual([]);
  });

  it('suggests `$ ` for what looks like a shell command, and a word for a typo', async () => {
    const t = setup();
    await t.known();
    await t.say('docker ps -a');
    expect(lastText(t.port)).toBe('I don\'t know "docker ps -a". To run it in your sandbox, start with `$ `: `$ docker ps -a`');
    await t.say('hnit please now');
    expect(lastText(t.port)).toMatch(/Did you mean `hint`\?$/);
    await t.say('\u0000\u0007');
    expect(lastText(t.port)).toMatch(/couldn't read any text/);
  });
});

describe('Tutor: buttons', () => {
  it('answers a button from an earlier step card by showing the current step', async () => {
    const t = setup();
    const id = await t.known();
    await t.say('start basics');
    await t.say('skip');
    await t.press('tutor:hint', 'basics:run');
    expect(t.port.texts().slice(-2)).toEqual(['That card is from an earlier step.', 'Container basics · step 2 of 3: List them']);
    expect((await t.stores.tutor.summaries(id))[0]!.hintsUsed).toBe(0);
    await t.press('tutor:hint', 'basics:list');
    expect(lastText(t.port)).toBe('Hint: first hint for list');
  });

  it('starts a lesson from its button, and lists lessons from the welcome button', async () => {
    const t = setup();
    await t.known();
    await t.press('tutor:lessons', 'lessons');
    expect(lastText(t.port)).toBe('The course');
    await t.press('tutor:start:images', 'images');
    expect(lastText(t.port)).toBe('Building images · step 1 of 2: Build');
  });

  it('ignores an unknown action, and logs it', async () => {
    const t = setup();
    await t.known();
    await t.press('tutor:dance');
    expect(t.port.replies).toEqual([]);
    expect(t.logs.some((l) => l.msg === 'unknown action ignored' && l.actionId === 'tutor:dance')).toBe(true);
  });
});

describe('Tutor: the slash command', () => {
  const slash = async (t: ReturnType<typeof setup>, text: string): Promise<Reply> => (await t.tutor.onSlashCommand(t.ref, text, t.port)) ?? { text: '(no answer)' };

  it('answers help with /tutor words, and refuses what only works in the DM', async () => {
    const t = setup();
    expect((await slash(t, '')).sections![0]).toContain('`/tutor lessons`');
    expect((await slash(t, 'help')).sections![0]).toContain('`/tutor start <lesson>`');
    expect((await slash(t, 'hint')).text).toBe('`hint` works in our direct message, where your lesson is.');
    expect((await slash(t, '$ ls')).text).toBe('`/tutor` understands help, lessons, start <lesson>, progress, reset and stop.');
    // Typos are tolerated here too.
    expect((await slash(t, 'lesons')).text).toBe('The course');
    expect((await slash(t, 'xyzzy')).text).toBe('`/tutor` understands help, lessons, start <lesson>, progress, reset and stop.');
    expect(t.port.replies).toEqual([]);
  });

  it('starts a lesson in the DM and answers where it is', async () => {
    const t = setup();
    expect((await slash(t, 'start 1')).text).toBe('Your lesson is waiting in our direct message.');
    expect(stepCardOf(t.port.replies)).toEqual(['Container basics · step 1 of 3: Run one']);
  });

  it('answers stop and reset to the slash command instead of the DM', async () => {
    const t = setup();
    await slash(t, 'start basics');
    const before = t.port.replies.length;
    expect((await slash(t, 'stop')).text).toMatch(/^Paused \*Container basics\*/);
    expect((await slash(t, 'reset')).text).toMatch(/^Your sandbox was reset/);
    expect(t.port.replies).toHaveLength(before);
    expect(t.sandbox.callsOf('reset')).toHaveLength(1);
  });

  it('returns the lesson list and progress as the answer', async () => {
    const t = setup();
    expect((await slash(t, 'lessons')).text).toBe('The course');
    expect((await slash(t, 'progress')).text).toMatch(/No lessons started yet/);
  });
});

describe('Tutor: App Home data and exercises', () => {
  it('gives a learner never seen the bare course, and a learner in a lesson their place', async () => {
    const t = setup();
    expect(await t.tutor.home({ teamId: 'T1', userId: 'U1' })).toMatchObject({ summaries: [], activeLessonId: null, activeStepId: null });
    expect((await t.tutor.home({ teamId: 'T1', userId: 'U1' })).lessons.map((l) => l.id)).toEqual(['basics', 'images', 'nginx-race']);
    await t.known();
    await t.say('start basics');
    expect(await t.tutor.home({ teamId: 'T1', userId: 'U1' })).toMatchObject({ activeLessonId: 'basics', activeStepId: 'run', summaries: [{ lessonId: 'basics' }] });
  });

  it('begins an exercise from scratch in a fresh sandbox, even one done before', async () => {
    const t = setup();
    const id = await t.known();
    await t.say('start nginx-race');
    await t.say('skip');
    expect((await t.stores.tutor.summaries(id)).find((s) => s.lessonId === 'nginx-race')!.completedAt).not.toBeNull();
    await t.tutor.beginExercise(t.ref, 'nginx-race', t.port);
    expect(t.sandbox.callsOf('reset')).toEqual([{ op: 'reset', learnerKey: 'T1:U1' }]);
    expect(lastText(t.port)).toBe('NGINX race · step 1 of 1: Serve');
    expect(await t.stores.tutor.activeLesson(id)).toMatchObject({ lessonId: 'nginx-race', stepId: 'serve' });
    await expect(t.tutor.beginExercise(t.ref, 'no-such', t.port)).rejects.toMatchObject({ code: 'LESSON_UNKNOWN' });
  });
});

describe('Tutor with challenge hooks', () => {
  function racing() {
    const calls: string[] = [];
    const hooks: ChallengeHooks = {
      solutionHidden: async (_l, lessonId) => lessonId === 'nginx-race',
      onHint: async (_l, lessonId) => (calls.push(`hint ${lessonId}`), lessonId === 'nginx-race' ? '(+30 s in the challenge)' : undefined),
      onCheck: async (_l, lessonId, passed) => (calls.push(`check ${lessonId} ${passed}`), passed ? { text: 'Challenge solved in 1:05!' } : undefined),
    };
    return { hooks, calls };
  }

  it('hides the solution and Skip during a race, and says what a hint costs', async () => {
    const { hooks, calls } = racing();
    const t = setup({ challenges: hooks });
    await t.known();
    await t.say('start nginx-race');
    expect(t.port.buttons()).not.toContain('tutor:solution');
    await t.say('solution');
    expect(lastText(t.port)).toMatch(/stays hidden while the challenge runs/);
    await t.say('skip');
    expect(lastText(t.port)).toMatch(/cannot be skipped/);
    await t.say('hint');
    expect(t.port.lastReply()!.context).toBe('Hint 1 of 2; ask again for the next. (+30 s in the challenge)');
    expect(calls).toEqual(['hint nginx-race']);
  });

  it('shows the race result after a passing check, and keeps the lesson flow for other lessons', async () => {
    const { hooks, calls } = racing();
    const t = setup({ challenges: hooks });
    await t.known();
    await t.say('start nginx-race');
    t.sandbox.passCheck('check-serve');
    await t.say('check');
    expect(t.port.texts().slice(-3)).toEqual([':white_check_mark: OK', 'Challenge solved in 1:05!', 'You finished NGINX race!']);
    await t.say('start basics');
    expect(t.port.buttons()).toContain('tutor:solution');
    expect(calls).toEqual(['check nginx-race true']);
  });

  it('still answers the learner when recording a race check fails', async () => {
    const t = setup({ challenges: { solutionHidden: async () => false, onHint: async () => undefined, onCheck: async () => Promise.reject(new Error('db down')) } });
    await t.known();
    await t.say('start basics');
    t.sandbox.failCheck('check-run', 'not yet');
    await t.say('check');
    expect(lastText(t.port)).toBe('Not done yet: not yet');
    expect(t.logs.some((l) => l.msg === 'recording a challenge check failed')).toBe(true);
  });
});

/** Lets background work run until `cond` holds (no wall-clock waits: a bounded number of event-loop turns). */
async function settle(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  expect(cond()).toBe(true);
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** Lesson `images`' check passes, but only once the returned function is called. */
function holdPassingCheck(sandbox: FakeSandbox): () => void {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  sandbox.onScript('check-build', async () => {
    await held;
    return { exitCode: 0, output: 'PASS: image built\n' };
  });
  return release;
}

describe('quieter automatic checks', () => {
  it('says nothing after a command when the step is not done, and delivers the output first when it is', async () => {
    const t = setup();
    await t.known();
    await t.say('start images');
    t.sandbox.failCheck('check-build', 'FAIL: no image yet');
    await t.say('$ docker images');
    await t.port.views[0]!.done;
    // The check ran, and kept quiet.
    await settle(() => t.sandbox.callsOf('checkScript').length === 1);
    expect(t.port.texts().filter((x) => /Not done yet|could not run the check/.test(x))).toEqual([]);

    // A check the learner asks for still speaks.
    await t.say('check');
    expect(lastText(t.port)).toBe('Not done yet: no image yet');

    // A command that completes the step: its output first, then the verdict and the next card.
    t.sandbox.passCheck('check-build', 'PASS: image built');
    await t.say('$ docker build -t app .');
    await t.port.waitForReply('Building images · step 2 of 2');
    const order = t.port.events.map((e) => (e.kind === 'view' ? `view:${e.view.command}` : e.reply.text)).slice(-3);
    expect(order).toEqual(['view:docker build -t app .', ':white_check_mark: image built', 'Building images · step 2 of 2: Tag']);
    expect(t.port.views[1]!.outcome).toBeDefined();
  });

  it('advances once when two commands finish while the step is being checked (one tick, one next card)', async () => {
    const t = setup();
    await t.known();
    await t.say('start images');
    // the first check is held until both commands have finished, so both automatic checks overlap
    const release = holdPassingCheck(t.sandbox);
    await t.say('$ docker build -t app .');
    await t.say('$ docker images');
    await Promise.all(t.port.views.map((v) => v.done));
    await settle(() => t.sandbox.callsOf('checkScript').length >= 1);
    release();
    await t.port.waitForReply('Building images · step 2 of 2');
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(t.port.texts().filter((x) => x.startsWith(':white_check_mark:'))).toEqual([':white_check_mark: image built']);
    expect(stepCardOf(t.port.replies)).toEqual(['Building images · step 1 of 2: Build', 'Building images · step 2 of 2: Tag']);
    // the second check found the learner on `tag`, which is not checked automatically
    expect(t.sandbox.callsOf('checkScript')).toHaveLength(1);
  });

  it('a Skip pressed while a passing check runs does not advance a second time', async () => {
    const t = setup();
    await t.known();
    await t.say('start images');
    const release = holdPassingCheck(t.sandbox);
    await t.say('$ docker build -t app .');
    await t.port.views[0]!.done;
    await settle(() => t.sandbox.callsOf('checkScript').length === 1);
    const skipping = t.say('skip');
    release();
    await skipping;
    await t.port.waitForReply('Building images · step 2 of 2');
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    // the check moved the learner on; the Skip found step 1 done and did nothing
    expect(stepCardOf(t.port.replies)).toEqual(['Building images · step 1 of 2: Build', 'Building images · step 2 of 2: Tag']);
    expect(t.port.texts().filter((x) => x.startsWith(':white_check_mark:'))).toEqual([':white_check_mark: image built']);
  });

  it("waits for another learner's fresh command before checking (a class typing at once: outputs first)", async () => {
    const t = setup();
    await t.known();
    await t.say('start images');
    // a classmate's command still running, started just now
    const other = new RecordingPort('D2');
    const slow = held();
    t.sandbox.onCommand('docker pull nginx', slow.result);
    await t.tutor.onMessage({ teamId: 'T1', userId: 'U2', dmChannel: 'D2' }, '$ docker pull nginx', other);
    t.sandbox.passCheck('check-build', 'PASS: image built');
    await t.say('$ docker build -t app .');
    await t.port.views[0]!.done;
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    // the learner has their output; the check waits for the classmate's command
    expect(t.sandbox.callsOf('checkScript')).toHaveLength(0);
    slow.finish({ exitCode: 0 });
    await t.port.waitForReply('Building images · step 2 of 2');
    expect(t.sandbox.callsOf('checkScript')).toHaveLength(1);
  });

  it('stays quiet when the automatic check cannot run', async () => {
    const t = setup();
    await t.known();
    await t.say('start images');
    t.sandbox.onScript('check-build', new AppError('SANDBOX_CREATE_FAILED', 'no capacity'));
    const before = t.port.replies.length;
    await t.say('$ docker images');
    await t.port.views[0]!.done;
    await settle(() => t.sandbox.callsOf('checkScript').length === 1);
    expect(t.port.replies.length).toBe(before);
  });
});

describe('reset and stop always work', () => {
  it('`reset` while a command waits for input resets the sandbox instead of typing "reset" into it', async () => {
    const t = setup();
    await t.known();
    t.sandbox.onCommand('read name', { output: 'name? ', exitCode: null, waitingForInput: true });
    await t.say('$ read name');
    await t.port.views[0]!.done;
    await t.say('reset');
    expect(t.sandbox.callsOf('sendInput')).toEqual([]);
    expect(t.sandbox.callsOf('reset')).toHaveLength(1);
    expect(lastText(t.port)).toMatch(/Your sandbox was reset/);
    // The next message is the learner's again, not input.
    await t.say('help');
    expect(lastText(t.port)).toBe('Here is what I can do.');
  });

  it('`stop` while a command waits for input stops that command (Ctrl-C) and pauses the lesson', async () => {
    const t = setup();
    const id = await t.known();
    await t.say('start basics');
    t.sandbox.onCommand('cat', { exitCode: null, waitingForInput: true });
    await t.say('$ cat');
    await t.port.views[0]!.done;
    await t.say('stop');
    expect(t.sandbox.callsOf('sendInput')).toEqual([]);
    expect(t.sandbox.callsOf('interrupt')).toHaveLength(1);
    expect(t.port.texts().slice(-2)).toEqual(['I stopped the command that was waiting for input (Ctrl-C).', 'Paused *Container basics*. `start basics` continues where you left off.']);
    expect(await t.stores.tutor.activeLesson(id)).toBeNull();
    // A word that only looks like them is still typed into a waiting command.
    t.sandbox.onCommand('read x', { exitCode: null, waitingForInput: true });
    await t.say('$ read x');
    await t.port.views[1]!.done;
    await t.say('stop please');
    expect(t.sandbox.callsOf('sendInput').map((c) => c.text)).toEqual(['stop please\n']);
  });
});

describe('Ctrl-C before the command has started', () => {
  it('is tried again until the command can be stopped (its sandbox was still starting)', async () => {
    const t = setup();
    await t.known();
    const sleep = held();
    t.sandbox.onCommand('sleep 100', sleep.result);
    let asked = 0;
    t.sandbox.interrupt = async (learnerKey) => {
      t.sandbox.calls.push({ op: 'interrupt', learnerKey });
      asked += 1;
      // Nothing runs yet the first two times (the sandbox is starting); then the command is there to stop.
      if (asked < 3) return undefined;
      sleep.finish({ interrupted: true, exitCode: null, output: '^C' });
      return { output: '^C', exitCode: null, durationMs: 5, truncated: false, timedOut: false, interrupted: true, waitingForInput: false };
    };
    await t.say('$ sleep 100');
    await t.press('tutor:ctrl-c', 'ctrl-c');
    expect(await t.port.views[0]!.done).toMatchObject({ interrupted: true });
    expect(asked).toBe(3);
  });

  it('stops trying once the command ended by itself', async () => {
    const t = setup();
    await t.known();
    const quick = held();
    t.sandbox.onCommand('make', quick.result);
    t.sandbox.interrupt = async (learnerKey) => {
      t.sandbox.calls.push({ op: 'interrupt', learnerKey });
      return undefined;
    };
    await t.say('$ make');
    await t.press('tutor:ctrl-c', 'ctrl-c');
    quick.finish({ exitCode: 0 });
    await t.port.views[0]!.done;
    expect(await t.tutor.drain(AbortSignal.timeout(5000))).toBe(true);
    expect(t.sandbox.callsOf('interrupt').length).toBeLessThanOrEqual(2);
  });
});
