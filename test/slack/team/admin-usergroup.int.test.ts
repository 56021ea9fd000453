import { BOT_SCOPES } from '../../../src/config';
import { startTestBot, uniqueId, type TestBot } from '../../support/start-test-bot';
import { slash } from '../../tutor/challenges/race-helpers';

jest.setTimeout(300_000);
const LISTED = 'U0LISTED1';
const IN_GROUP = 'U0GROUPED';
const OUTSIDER = 'U0OUTSIDE';
const REFUSED = /only Dockhand admins can end a challenge/;
const NOTHING_RUNS = 'No challenge is running in this channel.';

/**
 * ADMIN_USERGROUP through the real bot (Bolt over Socket Mode, Postgres) and the stand-in's usergroups methods:
 * a group member is an admin like a listed one; a group the bot cannot read leaves the list working, is logged
 * once naming it, and a refused caller is told why.
 */
describe('admins from a Slack user group', () => {
  const usergroups = { S0ADMINS: { handle: 'docker-admins', users: [IN_GROUP] } };
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('a member of the group (named by its handle) may run admin commands; others are refused', async () => {
    t = await startTestBot({ env: { ADMIN_USER_IDS: LISTED, ADMIN_USERGROUP: 'docker-admins' }, standIn: { usergroups } });
    const channel = uniqueId('C');
    expect(await slash(t, IN_GROUP, channel, 'challenge end')).toContain(NOTHING_RUNS);
    expect(await slash(t, LISTED, channel, 'challenge end')).toContain(NOTHING_RUNS);
    const refused = await slash(t, OUTSIDER, channel, 'challenge end');
    expect(refused).toMatch(REFUSED);
    expect(refused).not.toMatch(/could not be read/);
    // resolved by its handle through usergroups.list (the cache's TTL is unit-tested on a virtual clock)
    expect(t.standIn.callsTo('usergroups.list').length).toBeGreaterThan(0);
  });

  it.each([
    ['a group that does not exist', { usergroups }, 'S0MISSING', 'no such user group in this workspace'],
    ['a bot without usergroups:read', { usergroups, scopes: BOT_SCOPES.filter((s) => s !== 'usergroups:read') }, 'S0ADMINS', 'the bot lacks the `usergroups:read` scope'],
  ])('%s: the list still works, one log line names the group, a refused caller is told', async (_what, standIn, group, problem) => {
    t = await startTestBot({ env: { ADMIN_USER_IDS: LISTED, ADMIN_USERGROUP: group }, standIn });
    // read at start-up: the operator sees the line before anyone runs an admin command
    expect(t.logs.filter((l) => /ADMIN_USERGROUP cannot be read/.test(l.msg))).toHaveLength(1);
    const channel = uniqueId('C');
    expect(await slash(t, LISTED, channel, 'challenge end')).toContain(NOTHING_RUNS);
    for (const user of [IN_GROUP, OUTSIDER]) {
      const refused = await slash(t, user, channel, 'challenge end');
      expect(refused).toMatch(REFUSED);
      expect(refused).toContain(`The admin user group ${group} could not be read: ${problem}`);
    }
    const lines = t.logs.filter((l) => /ADMIN_USERGROUP cannot be read/.test(l.msg));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ group, teamId: t.teamId });
    expect(String(lines[0]!.problem)).toContain(problem);
  });
});
