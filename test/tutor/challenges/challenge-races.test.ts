import { slackFixture } from '../../support/fixtures';
import { acceptIn, ADMIN, dmFrom, FIXTURE_TEAM, postsIn, slashIn, startRace, textsIn, useRaceBot } from './in-process-race';

const RACER = 'U0ADA';
const BYSTANDER = 'U0GRACE';
const dmOf = (user: string) => `D${user.slice(1)}`;
/** The race exercise's solution and check, as the fake course writes them. */
const SECRETS = /docker run serve|check-serve/;

describe('hidden solutions while a challenge runs', () => {
  const { bot } = useRaceBot();

  it('neither the racer nor anyone else in the workspace gets the solution, a Solution button or a skip; the App Home shows neither solution nor check', async () => {
    const channel = 'C0HIDE';
    const card = await startRace(bot(), channel);
    await acceptIn(bot(), RACER, card);
    // The racer.
    await dmFrom(bot(), RACER, 'solution');
    expect(textsIn(bot(), dmOf(RACER)).at(-1)).toMatch(/stays hidden while the challenge runs/);
    // Someone who did not accept opens the exercise in their DM: the same rules, or they could pass it on (or accept later).
    await dmFrom(bot(), BYSTANDER, 'start nginx-race');
    const bystanderCard = postsIn(bot(), dmOf(BYSTANDER)).find((c) => /step 1 of 1/.test(String(c.args.text)))!;
    expect(JSON.stringify(bystanderCard.args.blocks)).not.toContain('tutor:solution');
    await dmFrom(bot(), BYSTANDER, 'solution');
    expect(textsIn(bot(), dmOf(BYSTANDER)).at(-1)).toMatch(/stays hidden while the challenge runs/);
    await dmFrom(bot(), BYSTANDER, 'skip');
    expect(textsIn(bot(), dmOf(BYSTANDER)).at(-1)).toMatch(/cannot be skipped/);
    // The Solution button of a card from before the challenge is refused the same way.
    const click = slackFixture<{ actions: Record<string, unknown>[] }>('block-actions');
    await bot().deliver({ ...click, user: { id: BYSTANDER, team_id: FIXTURE_TEAM }, channel: { id: dmOf(BYSTANDER), name: 'directmessage' }, actions: [{ ...click.actions[0], action_id: 'tutor:solution', value: 'nginx-race:serve' }] });
    expect(textsIn(bot(), dmOf(BYSTANDER)).at(-1)).toMatch(/stays hidden while the challenge runs/);
    for (const who of [RACER, BYSTANDER]) {
      await bot().homes.publish(FIXTURE_TEAM, who);
      const home = bot().standIn.callsTo('views.publish').filter((c) => c.args.user_id === who).at(-1)!;
      expect(JSON.stringify(home.args.view)).toContain('NGINX race');
      expect(JSON.stringify(home.args.view)).not.toMatch(SECRETS);
    }
    // Nothing the bot said in either DM, or in the channel, contains the solution or the check.
    for (const ch of [dmOf(RACER), dmOf(BYSTANDER), channel]) expect(JSON.stringify(postsIn(bot(), ch).map((c) => [c.args.text, c.args.blocks]))).not.toMatch(SECRETS);

    // After the end, the exercise is ordinary again for everyone.
    await slashIn(bot(), ADMIN, channel, 'challenge end');
    await dmFrom(bot(), BYSTANDER, 'solution');
    expect(JSON.stringify(postsIn(bot(), dmOf(BYSTANDER)).at(-1)!.args.blocks)).toContain('docker run serve');
  });

  it('a challenge in another workspace hides nothing here', async () => {
    await bot().stores.challenges.create({ teamId: 'T0OTHER', channelId: 'C0ELSEWHERE', exerciseId: 'nginx-race', createdBy: ADMIN, durationMs: 600_000, hintPenaltySeconds: 30 });
    await dmFrom(bot(), BYSTANDER, 'start nginx-race');
    await dmFrom(bot(), BYSTANDER, 'solution');
    expect(JSON.stringify(postsIn(bot(), dmOf(BYSTANDER)).at(-1)!.args.blocks)).toContain('docker run serve');
  });
});
