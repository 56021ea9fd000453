import { CapacityQueue } from '../../../src/sandbox/lifecycle/capacity-queue';

const flush = () => new Promise((r) => setImmediate(r));

function setup() {
  const queued: Array<[string, number]> = [];
  const q = new CapacityQueue((k, p) => queued.push([k, p]));
  return { q, queued };
}

describe('capacity queue', () => {
  it('gives each learner their place in line as they join', () => {
    const { q, queued } = setup();
    for (const k of ['a', 'b', 'c']) q.wait(k).catch(() => undefined);
    expect(queued).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    expect(q.length).toBe(3);
  });

  it('lets learners through first come, first served, and tells the rest their new place', async () => {
    const { q, queued } = setup();
    const through: string[] = [];
    for (const k of ['a', 'b', 'c']) q.wait(k).then(() => through.push(k), () => undefined);
    queued.splice(0);
    let free = 1;
    q.release(() => free-- > 0);
    await flush();
    expect(through).toEqual(['a']);
    expect(queued).toEqual([
      ['b', 1],
      ['c', 2],
    ]);
    free = 2;
    q.release(() => free-- > 0);
    await flush();
    expect(through).toEqual(['a', 'b', 'c']);
    expect(q.length).toBe(0);
  });

  it('lets no one past the cap: room is asked again after each one let through', async () => {
    const { q } = setup();
    const cap = 3;
    let held = 1;
    const through: string[] = [];
    for (const k of ['a', 'b', 'c', 'd']) q.wait(k).then(() => through.push(k), () => undefined);
    q.release(() => {
      if (held >= cap) return false;
      held++;
      return true;
    });
    await flush();
    expect(through).toEqual(['a', 'b']);
    expect(q.length).toBe(2);
  });

  it('sends no new places when nobody moved', () => {
    const { q, queued } = setup();
    q.wait('a').catch(() => undefined);
    queued.splice(0);
    q.release(() => false);
    expect(queued).toEqual([]);
  });

  it('fails every waiter on rejectAll and empties the line', async () => {
    const { q } = setup();
    const a = q.wait('a');
    const b = q.wait('b');
    q.rejectAll(new Error('stopping'));
    await expect(a).rejects.toThrow('stopping');
    await expect(b).rejects.toThrow('stopping');
    expect(q.length).toBe(0);
  });

  it('skips a waiter who cannot go yet (their workspace is full) and lets the next one through, who keeps no place', async () => {
    const { q, queued } = setup();
    const through: string[] = [];
    q.wait('TA:U1', 'workspace').then(() => through.push('TA:U1'), () => undefined);
    q.wait('TB:U1').then(() => through.push('TB:U1'), () => undefined);
    queued.splice(0);
    q.release((k) => !k.startsWith('TA:'));
    await flush();
    expect(through).toEqual(['TB:U1']);
    expect(queued).toEqual([['TA:U1', 1]]);
    expect(q.has('TA:U1')).toBe(true);
    q.release(() => true);
    await flush();
    expect(through).toEqual(['TB:U1', 'TA:U1']);
  });
});
