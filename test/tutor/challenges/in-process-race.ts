import type { RecordedCall } from '../../../src/slack/stand-in/slack-stand-in';
import type { InProcessBot } from '../../support/fakes/in-process-bot';
import { makeLesson } from '../../support/fakes/lessons';
import { slackFixture } from '../../support/fixtures';
import { ADMIN, FIXTURE_TEAM, useInProcessBot } from '../../slack/listeners/listener-harness';
import { TestClock } from './race-helpers';

export { ADMIN, FIXTURE_TEAM };

/** The race exercise of the unit tier: one step, one image, a scripted check (FakeSandbox answers `check-serve`). */
export const raceCourse = () => [makeLesson('nginx-race', { kind: 'exercise', title: 'NGINX race', images: ['nginx:latest'], steps: [{ id: 'serve', title: 'Serve', autoCheck: true }] })];

/**
 * The real Bolt app and listeners with memory stores and a scripted sandbox (test/support in-process bot),
 * plus a challenge clock the test moves and a few Slack users with names.
 */
export function useRaceBot(env: Record<string, string> = {}): { bot: () => InProcessBot; clock: TestClock } {
  const clock = new TestClock();
  const users = { U0ADA: { name: 'ada', realName: 'Ada Lovelace' }, U0GRACE: { name: 'grace' }, U0ALAN1: { name: 'alan' }, U0ALAN2: { name: 'alan.t', realName: 'alan' } };
  const bot = useInProcessBot({ lessons: raceCourse(), challengeClock: clock, env: { CHALLENGE_MIN_SOLVE_SECONDS: '5', CHALLENGE_HINT_PENALTY_SECONDS: '30', ...env }, standIn: { teamId: FIXTURE_TEAM, users } });
  return { bot, clock };
}

/** `/tutor <text>` by `user` in `channel`: the ephemeral answer's text and blocks. */
export async function slashIn(bot: InProcessBot, user: string, channel: string, text: string): Promise<string> {
  const response_url = bot.responseUrl();
  await bot.deliver({ ...slackFixture('slash-command'), team_id: FIXTURE_TEAM, user_id: user, channel_id: channel, text, response_url });
  const answer = bot.standIn.calls.filter((c) => c.method === 'response_url').at(-1)!;
  return String(answer.args.text) + JSON.stringify(answer.args.blocks ?? '');
}

/** Successful posts to `channel`. */
export const postsIn = (bot: InProcessBot, channel: string): RecordedCall[] => bot.standIn.callsTo('chat.postMessage').filter((c) => c.args.channel === channel);
export const textsIn = (bot: InProcessBot, channel: string): string[] => postsIn(bot, channel).map((c) => String(c.args.text));

/** Starts a challenge as the admin; returns its card. */
export async function startRace(bot: InProcessBot, channel: string, duration = '10m'): Promise<RecordedCall> {
  const answer = await slashIn(bot, ADMIN, channel, `challenge start nginx-race ${duration}`);
  if (!/challenge is on/.test(answer)) throw new Error(`the challenge did not start: ${answer}`);
  return postsIn(bot, channel).find((c) => String(c.args.text).startsWith('Challenge:'))!;
}

/** `user` presses Accept on the card (resolves when the listener is done: sandbox prepared, task shown). */
export async function acceptIn(bot: InProcessBot, user: string, card: RecordedCall): Promise<void> {
  const blocks = card.args.blocks as { elements?: { action_id: string; value: string }[] }[];
  const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id.startsWith('challenge:accept:'))!;
  const click = slackFixture<{ actions: Record<string, unknown>[] }>('block-actions');
  const channel = String(card.args.channel);
  await bot.deliver({
    ...click,
    user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: FIXTURE_TEAM },
    channel: { id: channel, name: 'race' },
    container: { type: 'message', message_ts: card.response.ts, channel_id: channel },
    actions: [{ ...click.actions[0], action_id: button.action_id, value: button.value }],
  });
}

/** A DM from `user`, as Slack sends it. */
export async function dmFrom(bot: InProcessBot, user: string, text: string): Promise<void> {
  await bot.deliver({
    ...slackFixture<Record<string, unknown>>('message-im'),
    team_id: FIXTURE_TEAM,
    event_id: `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
    event: { ...bot.standIn.directMessageEvent(user, text), team: FIXTURE_TEAM },
  });
}

/** Waits (a few event-loop turns at a time, bounded) until `cond` holds; background commands finish this way. */
export async function settle(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error('condition not met within 5 s');
}
