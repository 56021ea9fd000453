import type { Lesson } from '../../../src/lessons/types';
import type { RecordedCall } from '../../../src/slack/stand-in/slack-stand-in';
import { makeLesson } from '../../support/fakes/lessons';
import { startInProcessBot, type InProcessBot } from '../../support/fakes/in-process-bot';

export const FIXTURE_TEAM = 'T061EG9R6';
export const FIXTURE_USER = 'U2147483697';
export const FIXTURE_DM = 'D024BE91L';
export const ADMIN = 'U0ADMIN01';

export const course = (): Lesson[] => [
  makeLesson('basics', { title: 'Container basics', steps: [{ id: 'run', title: 'Run one' }, { id: 'list', title: 'List them' }] }),
  makeLesson('images', { title: 'Building images', steps: 1 }),
  makeLesson('nginx-race', { kind: 'exercise', title: 'NGINX race', steps: [{ id: 'serve', title: 'Serve' }] }),
];

/** One in-process bot per test, stopped afterwards. */
export function useInProcessBot(opts: Partial<Parameters<typeof startInProcessBot>[0]> = {}): () => InProcessBot {
  let bot: InProcessBot | undefined;
  beforeEach(async () => {
    bot = await startInProcessBot({ lessons: course(), adminUserIds: [ADMIN], standIn: { teamId: FIXTURE_TEAM, users: { [FIXTURE_USER]: { name: 'steve', realName: 'Steve' } } }, ...opts });
  });
  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
  });
  return () => bot!;
}

/** Successful calls to `method` (optionally to one channel), in order. */
export function callsTo(bot: InProcessBot, method: string, channel?: string): RecordedCall[] {
  return bot.standIn.callsTo(method).filter((c) => channel === undefined || c.args.channel === channel);
}

export const textOf = (c: RecordedCall) => String(c.args.text);

/** The first button of a recorded message whose action id starts with `prefix`. */
export function buttonOf(c: RecordedCall, prefix: string): { action_id: string; value: string } {
  const blocks = (c.args.blocks ?? []) as { elements?: { action_id?: string; value?: string }[]; accessory?: { action_id?: string; value?: string } }[];
  const found = blocks.flatMap((b) => [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])]).find((e) => e.action_id?.startsWith(prefix));
  if (!found) throw new Error(`no ${prefix} button in ${JSON.stringify(blocks)}`);
  return found as { action_id: string; value: string };
}
