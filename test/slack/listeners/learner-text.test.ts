import { slackFixture } from '../../support/fixtures';
import { callsTo, FIXTURE_DM, FIXTURE_TEAM, FIXTURE_USER, textOf, useInProcessBot } from './listener-harness';

type BlockActions = { actions: Record<string, unknown>[]; [k: string]: unknown };

/** What the learner typed, delivered as the stand-in (like Slack) encodes it. */
const dm = (standIn: { directMessageEvent(user: string, text: string, opts?: { channel?: string }): Record<string, unknown> }, typed: string) => ({
  ...slackFixture<Record<string, unknown>>('message-im'),
  event_id: `Ev${Math.random().toString(36).slice(2, 10).toUpperCase()}`,
  event: { ...standIn.directMessageEvent(FIXTURE_USER, typed, { channel: FIXTURE_DM }), team: FIXTURE_TEAM },
});

describe('learner text: decoded once on the way in, never expanded on the way out', () => {
  const bot = useInProcessBot();

  it('decodes a DM Slack escaped (entities, links) before the tutor parses it', async () => {
    await bot().stores.learners.ensureLearner(FIXTURE_TEAM, FIXTURE_USER);
    const event = dm(bot().standIn, '$ curl -s http://localhost:8080/?a=1&b=2 > out && cat < out');
    expect(event.event).toMatchObject({ text: '$ curl -s <http://localhost:8080/?a=1&amp;b=2> &gt; out &amp;&amp; cat &lt; out' });
    await bot().deliver(event);
    await bot().standIn.waitForCall('chat.postMessage', (c) => /: exit 0/.test(textOf(c)), 5000);
    expect(bot().sandbox.callsOf('run').map((c) => c.command)).toEqual(['curl -s http://localhost:8080/?a=1&b=2 > out && cat < out']);
  });

  it('decodes slash command text (Slack escapes &, <, > with should_escape off)', async () => {
    await bot().deliver({ ...slackFixture('slash-command'), team_id: FIXTURE_TEAM, user_id: FIXTURE_USER, text: 'start cats &amp; &lt;dogs&gt;', response_url: bot().responseUrl() });
    const reply = callsTo(bot(), 'chat.postMessage', bot().standIn.dmChannelFor(FIXTURE_USER))[0]!;
    // Shown as typed: the renderer escapes it again for Slack, exactly once.
    expect(textOf(reply)).toBe('I don\'t know a lesson called "cats &amp; &lt;dogs&gt;". Type `lessons` for the list.');
  });

  it('decodes an @-mention before its listener sees it', async () => {
    const seen: string[] = [];
    bot().slack.app.event('app_mention', async ({ event }) => void seen.push(event.text));
    await bot().deliver({ ...slackFixture('app-mention'), event: { ...slackFixture<{ event: Record<string, unknown> }>('app-mention').event, text: '<@U0LAN0Z89> try <http://example.com|example.com> &amp; <!here>' } });
    expect(seen).toEqual(['@U0LAN0Z89 try example.com & @here']);
  });

  it('never turns mention tokens a learner typed into mentions when echoing them', async () => {
    await bot().stores.learners.ensureLearner(FIXTURE_TEAM, FIXTURE_USER);
    await bot().deliver(dm(bot().standIn, 'start {{user:U0BOSS01}} {{channel:C0GENERAL}} \uE100user:U0BOSS01\uE101 <!here> @channel'));
    const [reply] = callsTo(bot(), 'chat.postMessage', FIXTURE_DM);
    const shown = JSON.stringify([reply!.args.text, reply!.args.blocks]);
    expect(shown).toContain('{{user:U0BOSS01}} {{channel:C0GENERAL}}');
    expect(shown).not.toMatch(/<@|<#|<!/);
  });

  it('answers an Accept button whose challenge id is not a UUID clearly, without asking the store', async () => {
    const get = jest.spyOn(bot().stores.challenges, 'get');
    const click = slackFixture<BlockActions>('block-actions');
    await bot().deliver({ ...click, channel: { id: 'C0RACE001', name: 'race' }, actions: [{ ...click.actions[0], action_id: 'challenge:accept:x', value: "1' OR 1=1" }] });
    expect(callsTo(bot(), 'chat.postEphemeral', 'C0RACE001').map(textOf)).toEqual([expect.stringMatching(/doesn't point to a challenge I know/)]);
    expect(get).not.toHaveBeenCalled();
    expect(bot().logs.filter((l) => l.level >= 50)).toEqual([]);
  });
});
