import { AdminDirectory, isAdminOf, type AdminGroupDirectory } from '../../src/tutor/admins';

describe('isAdminOf', () => {
  it('a TEAM:USER entry makes the user an admin of that workspace only', () => {
    expect(isAdminOf(['T1:U1'], 'T1', 'U1')).toBe(true);
    expect(isAdminOf(['T1:U1'], 'T2', 'U1')).toBe(false);
    expect(isAdminOf(['T1:U1'], 'T1', 'U2')).toBe(false);
  });

  it('a plain user id (single-workspace mode) counts as before', () => {
    expect(isAdminOf(['U1'], 'T1', 'U1')).toBe(true);
    expect(isAdminOf([], 'T1', 'U1')).toBe(false);
  });
});

describe('AdminDirectory', () => {
  const group = (answer: Awaited<ReturnType<AdminGroupDirectory['members']>>): AdminGroupDirectory & { asked: string[] } => {
    const asked: string[] = [];
    return { asked, members: async (teamId) => (asked.push(teamId), answer) };
  };

  it('members of the admin group are admins; the list is consulted first and the group only when needed', async () => {
    const g = group({ ok: true, userIds: new Set(['U2']) });
    const admins = new AdminDirectory(['U1'], g);
    expect(await admins.isAdmin('T1', 'U1')).toBe(true);
    expect(g.asked).toEqual([]);
    expect(await admins.isAdmin('T1', 'U2')).toBe(true);
    expect(await admins.isAdmin('T1', 'U3')).toBe(false);
    expect(g.asked).toEqual(['T1', 'T1']);
  });

  it('an unreadable group leaves the list working and tells a refused caller which group and why', async () => {
    const admins = new AdminDirectory(['U1'], group({ ok: false, group: 'S0NOPE', problem: 'no such user group in this workspace' }));
    expect(await admins.refusal({ teamId: 'T1', userId: 'U1' }, 'Only admins.')).toBeUndefined();
    const refused = await admins.refusal({ teamId: 'T1', userId: 'U2' }, 'Only admins.');
    expect(refused?.text).toBe('Only admins.\n(The admin user group S0NOPE could not be read: no such user group in this workspace. Ask an operator to fix ADMIN_USERGROUP; ADMIN_USER_IDS still works.)');
  });

  it('without a group, a refusal is the text alone', async () => {
    expect(await new AdminDirectory([]).refusal({ teamId: 'T1', userId: 'U2' }, 'Only admins.')).toEqual({ text: 'Only admins.' });
  });
});
