import { AdminDirectory } from '../../../src/tutor/admins';
import { WatchCommand } from '../../../src/tutor/team/watch-command';
import { captureLogs } from '../../support/capture-logs';

const T1 = 'T0ONE';
const T2 = 'T0TWO';

/** Learners known per workspace; links recorded as minted. */
function setup(opts: { enabled?: boolean } = {}) {
  const learners = new Set([`${T1}:U0LEARN`, `${T2}:U0OTHER`]);
  const minted: { learner: { teamId: string; userId: string }; admin: string }[] = [];
  const watch = new WatchCommand({
    admins: new AdminDirectory([`${T1}:U0ADMIN`]),
    learners: { find: async (t, u) => (learners.has(`${t}:${u}`) ? { id: 'x', teamId: t, userId: u, displayName: null, firstSeenAt: new Date() } : null) },
    watchLinkFor: opts.enabled === false ? undefined : (learner, admin) => (minted.push({ learner, admin }), `https://play.example.com/p/token-${minted.length}`),
    log: captureLogs().log,
  });
  return { watch, minted };
}

describe('/tutor watch', () => {
  it('off unless the operator enabled it', async () => {
    const { watch, minted } = setup({ enabled: false });
    expect((await watch.run({ teamId: T1, userId: 'U0ADMIN' }, 'U0LEARN')).text).toMatch(/not enabled .*PLAYGROUND_ADMIN_VIEW=true/);
    expect(minted).toEqual([]);
  });

  it('an admin gets a link bound to their workspace, themselves and the learner, never unfurled', async () => {
    const { watch, minted } = setup();
    const reply = await watch.run({ teamId: T1, userId: 'U0ADMIN' }, '<@U0LEARN|ada>');
    expect(reply.text).toContain('https://play.example.com/p/token-1');
    expect(reply.noUnfurl).toBe(true);
    expect(minted).toEqual([{ learner: { teamId: T1, userId: 'U0LEARN' }, admin: 'U0ADMIN' }]);
  });

  it('a learner cannot mint one, for someone else or for an admin', async () => {
    const { watch, minted } = setup();
    expect((await watch.run({ teamId: T1, userId: 'U0LEARN' }, 'U0ADMIN')).text).toMatch(/only Dockhand admins/);
    expect(minted).toEqual([]);
  });

  it('an admin of one workspace is no admin of another, and cannot reach a learner of another', async () => {
    const { watch, minted } = setup();
    // the same user id calling from the other workspace: ADMIN_USER_IDS names T1 only
    expect((await watch.run({ teamId: T2, userId: 'U0ADMIN' }, 'U0OTHER')).text).toMatch(/only Dockhand admins/);
    // from their own workspace, a learner of the other one is no learner here
    expect((await watch.run({ teamId: T1, userId: 'U0ADMIN' }, 'U0OTHER')).text).toMatch(/has not used Dockhand in this workspace/);
    expect(minted).toEqual([]);
  });

  it('explains what it needs', async () => {
    const { watch } = setup();
    expect((await watch.run({ teamId: T1, userId: 'U0ADMIN' }, '@ada')).text).toMatch(/^Usage: `\/tutor watch <member ID>`/);
    expect((await watch.run({ teamId: T1, userId: 'U0ADMIN' }, 'U0ADMIN')).text).toMatch(/That is you/);
  });
});
