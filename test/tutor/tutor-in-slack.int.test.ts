import { LessonCatalog } from '../../src/lessons/lesson-catalog';
import { LearnerDriver } from '../support/learner-driver';
import { startTestBot, uniqueId, type TestBot } from '../support/start-test-bot';
import path from 'node:path';

jest.setTimeout(300_000);

let t: TestBot;
let catalog: LessonCatalog;
beforeAll(async () => {
  catalog = (await LessonCatalog.load(path.join(__dirname, '..', '..', 'lessons'))).catalog;
  t = await startTestBot();
});
afterAll(async () => {
  await t?.stop();
});

async function newLearner(): Promise<LearnerDriver> {
  const l = new LearnerDriver(t, uniqueId('U'));
  const since = l.mark;
  await l.say('help');
  await l.waitForPost(/Welcome/, since);
  return l;
}

describe('a learner in a DM, end to end (stand-in, real Postgres, real sandboxes)', () => {
  it('completes lesson 1 by typing its commands, step by step, and gets a summary', async () => {
    const l = await newLearner();
    const lesson = catalog.get('running-containers')!;
    let since = l.mark;
    await l.say('start running-containers');
    await l.waitForPost(/step 1 of 10/, since);
    for (const step of lesson.steps) {
      const stepStart = l.mark;
      for (const cmd of step.solution) {
        const { final } = await l.run(cmd);
        expect(String(final.args.text)).toMatch(/exit 0/);
      }
      await l.waitForPost(/^:white_check_mark:/, stepStart, 60000);
    }
    since = l.mark;
    const summary = await l.waitForPost(/You finished Running containers/, 0, 30000);
    expect(LearnerDriver.blocksText(summary)).toMatch(/10 steps/);
    // each step was ticked once and each card shown once (overlapping automatic checks used to double them)
    const posted = t.standIn.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === l.channel && c.response.ok === true).map((c) => String(c.args.text));
    expect(posted.filter((x) => x.startsWith(':white_check_mark:'))).toHaveLength(10);
    expect(posted.filter((x) => / · step \d+ of 10: /.test(x))).toHaveLength(10);
    expect(posted.filter((x) => x.startsWith('You finished'))).toHaveLength(1);
    const learner = await l.row();
    const progress = await t.bot.db.prisma.lessonProgress.findUniqueOrThrow({ where: { learnerId_lessonId: { learnerId: learner.id, lessonId: lesson.id } } });
    expect(progress.completedAt).not.toBeNull();
    const steps = await t.bot.db.prisma.stepCompletion.findMany({ where: { learnerId: learner.id, lessonId: lesson.id } });
    expect(steps.filter((s) => s.completedAt && !s.skipped)).toHaveLength(10);
    expect(steps.every((s) => s.attempts >= 1 && (s.durationMs ?? -1) >= 0)).toBe(true);
    const runs = await t.bot.db.prisma.commandRun.count({ where: { learnerId: learner.id } });
    expect(runs).toBe(lesson.steps.reduce((n, s) => n + s.solution.length, 0));
    // /tutor progress reports what was done, only to the learner.
    since = l.mark;
    await t.standIn.sendSlashCommand({ command: '/tutor', text: 'progress', user_id: l.user, channel_id: 'C0GENERAL', team_id: t.teamId });
    const answer = await t.standIn.waitForCall('response_url', (c) => t.standIn.calls.indexOf(c) >= since);
    expect(answer.args.response_type).toBe('ephemeral');
    expect(JSON.stringify(answer.args.blocks)).toMatch(/Running containers\*: 10\/10 steps, completed/);
  });

  it('answers Hint, Solution and Check buttons on the step card, and refuses a stale card', async () => {
    const l = await newLearner();
    let since = l.mark;
    await l.say('start 1');
    const card = await l.waitForPost(/step 1 of 10/, since);

    since = await l.click(card, 'tutor:hint');
    const hint = await l.waitForPost(/^Hint: /, since);
    const firstHint = catalog.get('running-containers')!.steps[0]!.hints[0]!;
    expect(String(hint.args.text)).toBe(`Hint: ${firstHint}`);

    since = await l.click(card, 'tutor:solution');
    const solution = await l.waitForPost(/^Solution/, since);
    expect(LearnerDriver.blocksText(solution)).toContain('$ docker run hello-world');

    since = await l.click(card, 'tutor:check');
    const notYet = await l.waitForPost(/^Not done yet: /, since);
    expect(LearnerDriver.blocksText(notYet)).toContain('tutor:hint');

    since = l.mark;
    await l.run('docker run hello-world');
    await l.waitForPost(/step 2 of 10/, since, 60000);
    since = await l.click(card, 'tutor:check');
    await l.waitForPost(/earlier step/, since);

    const learner = await l.row();
    const first = await t.bot.db.prisma.stepCompletion.findFirstOrThrow({ where: { learnerId: learner.id, stepId: 'hello-world' } });
    expect(first).toMatchObject({ hintsUsed: 1, solutionShown: true });
    expect(first.attempts).toBeGreaterThanOrEqual(2);
  });

  it('moves on with Skip (recorded as skipped), refuses Next on an unfinished step, and pauses with stop', async () => {
    const l = await newLearner();
    let since = l.mark;
    await l.say('start running-containers');
    const card = await l.waitForPost(/step 1 of 10/, since);
    since = await l.click(card, 'tutor:next');
    await l.waitForPost(/Not done yet/, since);
    expect(LearnerDriver.blocksText(t.standIn.callsTo('chat.postMessage').at(-1)!)).toContain('Finish this step first');
    since = await l.click(card, 'tutor:skip');
    await l.waitForPost(/step 2 of 10/, since);
    since = l.mark;
    await l.say('stop');
    await l.waitForPost(/Paused \*Running containers\*/, since);
    since = l.mark;
    await l.say('hint');
    await l.waitForPost(/works inside a lesson/, since);
    const learner = await l.row();
    const skipped = await t.bot.db.prisma.stepCompletion.findFirstOrThrow({ where: { learnerId: learner.id, stepId: 'hello-world' } });
    expect(skipped.skipped).toBe(true);
    expect(skipped.completedAt).not.toBeNull();
    expect(learner.activeLessonId).toBeNull();
  });

  it('sends long output as a snippet in the thread, with the tail inline', async () => {
    const l = await newLearner();
    const { final, post } = await l.run('seq 1 5000');
    expect(String(final.args.text)).toMatch(/exit 0/);
    const inline = LearnerDriver.blocksText(final);
    expect(inline).toContain('5000');
    expect(inline).not.toContain('\\n1\\n2\\n');
    expect(inline.length).toBeLessThan(4000);
    const file = await waitForFile((f) => f.threadTs === post.response.ts);
    expect(file.content.startsWith('1\n2\n3\n')).toBe(true);
    expect(file.content).toContain('\n5000');
  });

  it('still delivers the full final output when chat.update answers 429', async () => {
    const l = await newLearner();
    t.standIn.failNext('chat.update', { status: 429, retryAfterSec: 1 });
    t.standIn.failNext('chat.update', { status: 429, retryAfterSec: 1 });
    const { final } = await l.run('for i in 1 2 3; do echo line-$i; sleep 1; done');
    expect(String(final.args.text)).toMatch(/exit 0/);
    expect(LearnerDriver.blocksText(final)).toMatch(/line-1\\nline-2\\nline-3/);
    expect(t.standIn.calls.filter((c) => c.method === 'chat.update' && c.status === 429).length).toBeGreaterThanOrEqual(2);
  });

  it('does not run a command twice when Slack re-delivers its event', async () => {
    const l = await newLearner();
    const eventId = uniqueId('Ev');
    const since = l.mark;
    await l.say('$ echo once', { eventId });
    await l.say('$ echo once', { eventId, retryAttempt: 1 });
    await l.run('echo after');
    const posts = t.standIn.callsTo('chat.postMessage').filter((c) => t.standIn.calls.indexOf(c) >= since && c.args.channel === l.channel && /^\$ echo once/.test(String(c.args.text)));
    expect(posts).toHaveLength(1);
    const learner = await l.row();
    expect(await t.bot.db.prisma.commandRun.count({ where: { learnerId: learner.id, command: 'echo once' } })).toBe(1);
  });

  it('keeps two learners apart: one never sees the other\'s containers', async () => {
    const [a, b] = await Promise.all([newLearner(), newLearner()]);
    await Promise.all([a.run('docker run -d --name only-for-a busybox sleep 300'), b.run('docker run -d --name only-for-b busybox sleep 300')]);
    const [psA, psB] = await Promise.all([a.run('docker ps -a'), b.run('docker ps -a')]);
    expect(LearnerDriver.blocksText(psA.final)).toContain('only-for-a');
    expect(LearnerDriver.blocksText(psA.final)).not.toContain('only-for-b');
    expect(LearnerDriver.blocksText(psB.final)).toContain('only-for-b');
    expect(LearnerDriver.blocksText(psB.final)).not.toContain('only-for-a');
  });

  it('sends the next message to a command waiting for input, and offers Ctrl-C', async () => {
    const l = await newLearner();
    const { final } = await l.run('read -p "name? " n; echo "hello $n"');
    expect(String(final.args.text)).toMatch(/waiting for input/);
    expect(LearnerDriver.blocksText(final)).toContain('tutor:ctrl-c');
    const since = l.mark;
    await l.say('Ada');
    const { final: done } = await l.outputOf(since, 30000);
    expect(String(done.args.text)).toMatch(/exit 0/);
    expect(LearnerDriver.blocksText(done)).toContain('hello Ada');
  });

  it('stops a long command from the Ctrl-C button that appears while it runs', async () => {
    const l = await newLearner();
    const since = l.mark;
    await l.say('$ sleep 120');
    const post = await l.waitForPost(/\(running\)$/, since);
    const withButton = await t.standIn.waitForCall('chat.update', (c) => c.args.ts === post.response.ts && LearnerDriver.blocksText(c).includes('tutor:ctrl-c'), 20000);
    await l.click({ ...withButton, response: post.response }, 'tutor:ctrl-c');
    const final = await t.standIn.waitForCall('chat.update', (c) => c.args.ts === post.response.ts && /: (interrupted|exit)/.test(String(c.args.text)), 20000);
    expect(String(final.args.text)).toMatch(/interrupted|exit 130/);
  });

  it('answers words with small typos, and anything else with a suggestion, never silence', async () => {
    const l = await newLearner();
    let since = l.mark;
    await l.say('lesons');
    await l.waitForPost(/^The course/, since);
    since = l.mark;
    await l.say('docker ps');
    const shell = await l.waitForPost(/start with/, since);
    expect(String(shell.args.text)).toContain('$ docker ps');
    since = l.mark;
    await l.say('hnit');
    await l.waitForPost(/Did you mean `hint`\?/, since);
  });
});

async function waitForFile(pred: (f: { threadTs?: string; content: string; completed: boolean }) => boolean) {
  const deadline = Date.now() + 30000;
  for (;;) {
    const f = [...t.standIn.files.values()].find((x) => x.completed && pred(x));
    if (f) return f;
    if (Date.now() > deadline) throw new Error('no snippet uploaded');
    await new Promise((r) => setTimeout(r, 50));
  }
}
