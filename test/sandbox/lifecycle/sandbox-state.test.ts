import { canMoveSandbox, isGone, type SandboxState } from '../../../src/sandbox/lifecycle/sandbox-state';

describe('a started sandbox moves through its states one way', () => {
  it('a ready sandbox may crash or be removed; a crashed one is removed', () => {
    expect(canMoveSandbox('ready', 'crashed')).toBe(true);
    expect(canMoveSandbox('ready', 'removing')).toBe(true);
    expect(canMoveSandbox('crashed', 'removing')).toBe(true);
    expect(canMoveSandbox('removing', 'removed')).toBe(true);
  });

  it('a sandbox being removed or removed never crashes, and is never removed twice', () => {
    for (const from of ['removing', 'removed'] as SandboxState[]) {
      expect(canMoveSandbox(from, 'crashed')).toBe(false);
      expect(canMoveSandbox(from, 'removing')).toBe(false);
    }
    expect(canMoveSandbox('crashed', 'crashed')).toBe(false);
    expect(canMoveSandbox('removed', 'ready')).toBe(false);
  });

  it('is gone from the moment its removal starts', () => {
    expect([isGone('ready'), isGone('crashed'), isGone('removing'), isGone('removed')]).toEqual([false, false, true, true]);
  });
});
