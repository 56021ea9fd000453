import type { webApi } from '@slack/bolt';
import { SlackAdminGroup } from '../../../src/slack/team/admin-usergroup';
import { captureLogs } from '../../support/capture-logs';

type Answer = { users?: string[] } | { error: string };

/** A WebClient with only the two usergroups methods, answering like Slack (errors thrown with `data.error`). */
function fakeClient(groups: Record<string, { handle: string; users: string[] }>, fail?: string) {
  const calls: string[] = [];
  const answer = (a: Answer) => ('error' in a ? Promise.reject(Object.assign(new Error(a.error), { data: { ok: false, error: a.error } })) : Promise.resolve({ ok: true, ...a }));
  const client = {
    usergroups: {
      list: () => (calls.push('usergroups.list'), fail ? answer({ error: fail }) : Promise.resolve({ ok: true, usergroups: Object.entries(groups).map(([id, g]) => ({ id, handle: g.handle })) })),
      users: { list: ({ usergroup }: { usergroup: string }) => (calls.push(`usergroups.users.list ${usergroup}`), answer(fail ? { error: fail } : groups[usergroup] ? { users: groups[usergroup].users } : { error: 'no_such_subteam' })) },
    },
  };
  return { client: client as unknown as webApi.WebClient, calls, groups };
}

describe('SlackAdminGroup', () => {
  it('reads a group by id, keeps its members for the TTL on the injected clock, per workspace, then asks again', async () => {
    let now = 1_000;
    const f = fakeClient({ S0ADMINS: { handle: 'docker-admins', users: ['U1'] } });
    const g = new SlackAdminGroup({ client: f.client, group: 'S0ADMINS', log: captureLogs().log, clock: { now: () => now }, ttlMs: 60_000 });
    expect(await g.members('T1')).toEqual({ ok: true, userIds: new Set(['U1']) });
    f.groups.S0ADMINS!.users.push('U2');
    now += 59_999;
    expect(await g.members('T1')).toEqual({ ok: true, userIds: new Set(['U1']) });
    expect(await g.members('T2')).toEqual({ ok: true, userIds: new Set(['U1', 'U2']) });
    now += 1;
    expect(await g.members('T1')).toEqual({ ok: true, userIds: new Set(['U1', 'U2']) });
    expect(f.calls).toEqual(['usergroups.users.list S0ADMINS', 'usergroups.users.list S0ADMINS', 'usergroups.users.list S0ADMINS']);
  });

  it('resolves a handle (with or without @) through usergroups.list', async () => {
    const f = fakeClient({ S0ADMINS: { handle: 'docker-admins', users: ['U1'] } });
    const g = new SlackAdminGroup({ client: f.client, group: '@Docker-Admins', log: captureLogs().log });
    expect(await g.members('T1')).toEqual({ ok: true, userIds: new Set(['U1']) });
    expect(f.calls).toEqual(['usergroups.list', 'usergroups.users.list S0ADMINS']);
  });

  it.each([
    ['an unknown id', 'S0NOPE', undefined, 'no such user group in this workspace'],
    ['an unknown handle', 'nobody-here', undefined, 'no such user group in this workspace'],
    ['a missing usergroups:read scope', 'S0ADMINS', 'missing_scope', 'the bot lacks the `usergroups:read` scope (add it to the app and reinstall)'],
  ])('%s: one warning naming the group per workspace, and the problem as the answer', async (_what, group, fail, problem) => {
    let now = 0;
    const { logs, log } = captureLogs();
    const g = new SlackAdminGroup({ client: fakeClient({ S0ADMINS: { handle: 'docker-admins', users: ['U1'] } }, fail).client, group, log, clock: { now: () => now }, ttlMs: 10 });
    for (let i = 0; i < 3; i++) {
      expect(await g.members('T1')).toEqual({ ok: false, group, problem });
      now += 11;
    }
    const warnings = logs.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ group, problem, teamId: 'T1', msg: 'ADMIN_USERGROUP cannot be read; only ADMIN_USER_IDS count as admins' });
  });
});
