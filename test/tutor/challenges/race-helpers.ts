import type { RecordedCall } from '../../../src/slack/stand-in/slack-stand-in';
import type { ChallengeClock } from '../../../src/tutor/challenges';
import { slackFixture } from '../../support/fixtures';
import type { TestBot } from '../../support/start-test-bot';

/** The challenge clock of a test: it moves only when the test sets it. */
export class TestClock implements ChallengeClock {
  private t = Date.now();
  now = (): Date => new Date(this.t);
  set(ms: number): void {
    this.t = ms;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** `/tutor <text>` from `user` in `channel`; resolves with the ephemeral answer's text and blocks. */
export async function slash(t: TestBot, user: string, channel: string, text: string): Promise<string> {
  const mark = t.standIn.calls.length;
  await t.standIn.sendSlashCommand({ ...slackFixture('slash-command'), team_id: t.teamId, user_id: user, channel_id: channel, text });
  const c = await t.standIn.waitForCall('response_url', (x) => t.standIn.calls.indexOf(x) >= mark, 30_000);
  return String(c.args.text) + JSON.stringify(c.args.blocks ?? '');
}

/** The first bot post in `channel` after `mark` whose text or blocks match. */
export const inChannel = (t: TestBot, channel: string, mark: number, pattern: RegExp, timeoutMs = 60_000): Promise<RecordedCall> =>
  t.standIn.waitForCall('chat.postMessage', (c) => t.standIn.calls.indexOf(c) >= mark && c.args.channel === channel && pattern.test(String(c.args.text) + JSON.stringify(c.args.blocks ?? '')), timeoutMs);

/** `user` presses Accept on a challenge card. */
export async function acceptCard(t: TestBot, user: string, card: RecordedCall): Promise<void> {
  const blocks = card.args.blocks as { elements?: { action_id: string; value: string }[] }[];
  const button = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id.startsWith('challenge:accept:'))!;
  await t.standIn.clickButton(user, { channel: String(card.args.channel), ts: String(card.response.ts), blocks: card.args.blocks }, { action_id: button.action_id, value: button.value });
}

/**
 * A shell snippet that counts lines of `file` containing any of `needles`, printed as `hits=N`, without the
 * needles appearing in any command line (they travel base64-encoded), so a process-table snoop cannot
 * catch the test's own grep.
 */
export function countHits(file: string, needles: string[]): string {
  const b64 = Buffer.from(needles.join('\n') + '\n').toString('base64');
  return `echo ${b64} | base64 -d > /tmp/.needles; echo "hits=$(grep -c -F -f /tmp/.needles ${file} 2>/dev/null || true) lines=$(wc -l < ${file} 2>/dev/null || echo 0)"`;
}
