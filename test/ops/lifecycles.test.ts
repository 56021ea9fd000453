import { Lifecycles } from '../../src/ops/lifecycles';
import { captureLogs } from '../support/capture-logs';

/** Parts that write what happens to them into one list. */
function recorded(names: string[], opts: { failStart?: string; failStop?: string } = {}) {
  const seen: string[] = [];
  const { log, logs } = captureLogs();
  const lifecycles = new Lifecycles(log);
  for (const name of names)
    lifecycles.add({
      name,
      async start() {
        seen.push(`start ${name}`);
        if (opts.failStart === name) throw new Error(`${name} would not start`);
      },
      async stop() {
        seen.push(`stop ${name}`);
        if (opts.failStop === name) throw new Error(`${name} would not stop`);
      },
    });
  return { lifecycles, seen, logs };
}

describe('Lifecycles', () => {
  it('starts parts in the order added and stops them in reverse, once however often stop is called', async () => {
    const { lifecycles, seen } = recorded(['database', 'sandboxes', 'slack']);
    await lifecycles.start();
    await Promise.all([lifecycles.stop(), lifecycles.stop()]);
    expect(seen).toEqual(['start database', 'start sandboxes', 'start slack', 'stop slack', 'stop sandboxes', 'stop database']);
  });

  it('on a failed start, the same stop path stops every part added, the failed one included', async () => {
    const { lifecycles, seen } = recorded(['database', 'sandboxes', 'slack'], { failStart: 'sandboxes' });
    await expect(lifecycles.start()).rejects.toThrow('sandboxes would not start');
    await lifecycles.stop();
    expect(seen).toEqual(['start database', 'start sandboxes', 'stop slack', 'stop sandboxes', 'stop database']);
  });

  it('logs a part that fails to stop and still stops the rest', async () => {
    const { lifecycles, seen, logs } = recorded(['database', 'slack'], { failStop: 'slack' });
    await lifecycles.stop();
    expect(seen).toEqual(['stop slack', 'stop database']);
    expect(logs.find((l) => l.msg === 'stopping a part of the bot failed')).toMatchObject({ part: 'slack' });
  });
});
