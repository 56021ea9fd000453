import { isAdminOf } from '../../src/tutor/admins';

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
