import type { SandboxEvent } from '../src/sandbox';
import { learnerKeyOf } from '../src/tutor/learner-key';
import { startInProcessBot, type InProcessBot } from './support/fakes/in-process-bot';
import { slackFixture, type EventCallback } from './support/fixtures';
import { course, FIXTURE_DM, FIXTURE_TEAM, FIXTURE_USER, textOf } from './slack/listeners/listener-harness';

// Limits the notices must name, set apart from the defaults so a hard-coded number cannot pass.
const MEMORY_MB = '768';
const DISK_MB = '3072';

const dm = (text: string) => {
  const body = slackFixture<EventCallback & Record<string, unknown>>('message-im');
  return { ...body, event_id: `Ev${Math.random().toString(36).slice(2, 10).toUpperCase()}`, event: { ...body.event, text } };
};

/**
 * The sandbox-event listener as assemble() wires it, through the real Bolt app and the Slack stand-in: the fake
 * sandbox emits what the manager would, and the learner reads the notice in their DM. Without the listener
 * registered, no notice is posted and no sandbox state is recorded, so every test here fails.
 */
describe('assemble: sandbox events reach the learner through the real wiring', () => {
  let bot: InProcessBot;
  const key = learnerKeyOf({ teamId: FIXTURE_TEAM, userId: FIXTURE_USER });

  beforeEach(async () => {
    bot = await startInProcessBot({ lessons: course(), standIn: { teamId: FIXTURE_TEAM, users: { [FIXTURE_USER]: { name: 'steve', realName: 'Steve' } } }, env: { SANDBOX_MEMORY_MB: MEMORY_MB, SANDBOX_DISK_MB: DISK_MB } });
    // The learner has DMed the bot: the store knows their DM channel, where notices go.
    await bot.deliver(dm('hello'));
    await bot.standIn.waitForCall('chat.postMessage', (c) => c.args.channel === FIXTURE_DM, 5000);
  });
  afterEach(async () => {
    await bot.stop();
  });

  /** Emits `event` and waits for the DM post matching `text`. */
  const noticeFor = async (event: SandboxEvent, text: RegExp) => {
    bot.sandbox.emit(event);
    return textOf(await bot.standIn.waitForCall('chat.postMessage', (c) => c.args.channel === FIXTURE_DM && text.test(textOf(c)), 5000));
  };

  it('tells a queued learner their position in line', async () => {
    expect(await noticeFor({ type: 'queued', learnerKey: key, position: 4 }, /in line/)).toBe(
      'All sandboxes are busy right now: you are number 4 in line. Your command will run as soon as one is free.',
    );
  });

  it('tells the learner their sandbox crashed, and records it as crashed', async () => {
    bot.sandbox.emit({ type: 'created', learnerKey: key, containerId: 'c-crash' });
    expect(await noticeFor({ type: 'crashed', learnerKey: key, containerId: 'c-crash', detail: 'exit 137' }, /stopped unexpectedly/)).toBe(
      'Your sandbox stopped unexpectedly. Your next command gets a fresh one; your lesson progress is kept.',
    );
    expect(bot.stores.db.sandboxes.get('c-crash')?.state).toBe('crashed');
    expect(await bot.stores.tutor.knownSandbox('c-crash')).toBe(false);
  });

  it('names the configured memory limit when the sandbox ran out of memory', async () => {
    expect(await noticeFor({ type: 'oom-killed', learnerKey: key, containerId: 'c-oom', detail: 'OOMKilled' }, /out of memory/)).toBe(
      `Your sandbox ran out of memory (limit ${MEMORY_MB} MiB) and was stopped. Your next command gets a fresh one; your lesson progress is kept.`,
    );
    expect(bot.config.sandbox.memoryMb).toBe(Number(MEMORY_MB));
  });

  it('names the configured disk size when the sandbox disk is full', async () => {
    expect(await noticeFor({ type: 'disk-full', learnerKey: key, containerId: 'c-disk', detail: 'no space left on device' }, /disk is full/)).toBe(
      "Your sandbox's disk is full (3 GiB): `reset` or remove images (`$ docker system prune -af`).",
    );
  });

  it('records a created sandbox as ready for that learner, so the next start adopts it', async () => {
    bot.sandbox.emit({ type: 'created', learnerKey: key, containerId: 'c-new' });
    await new Promise((r) => setImmediate(r));
    expect(bot.stores.db.sandboxes.get('c-new')).toMatchObject({ state: 'ready', learnerId: (await bot.stores.learners.find(FIXTURE_TEAM, FIXTURE_USER))!.id });
    expect(await bot.stores.tutor.knownSandbox('c-new')).toBe(true);
  });

  it("leaves keys that are not a learner's alone (lesson tests) and says nothing about quiet events", async () => {
    const before = bot.standIn.callsTo('chat.postMessage').length;
    bot.sandbox.emit({ type: 'crashed', learnerKey: 'lesson-test:hello:abc123', containerId: 'c-lesson', detail: 'exit 1' });
    bot.sandbox.emit({ type: 'created', learnerKey: key, containerId: 'c-quiet' });
    // A notice after them, in the same order: once it is posted, anything the quiet events said would be too.
    await noticeFor({ type: 'queued', learnerKey: key, position: 1 }, /in line/);
    expect(bot.standIn.callsTo('chat.postMessage').slice(before).map(textOf)).toEqual([expect.stringContaining('number 1 in line')]);
    expect(bot.stores.db.sandboxes.has('c-lesson')).toBe(false);
    expect(bot.stores.db.sandboxes.get('c-quiet')?.state).toBe('ready');
  });
});
