import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import pino from 'pino';
import { EngineWatch, notRunning } from '../../../src/sandbox/lifecycle/engine-watch';

const logger = pino({ level: 'silent' });
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

/** An engine whose event streams the test ends, and which can be "down" (getEvents refused). */
function fakeEngine() {
  const streams: PassThrough[] = [];
  const e = { down: false, streams };
  const docker = {
    getEvents: async () => {
      if (e.down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      const s = new PassThrough();
      streams.push(s);
      return s;
    },
  } as unknown as Docker;
  return { e, docker };
}

describe('EngineWatch: the sandbox death watcher survives an engine restart', () => {
  it('reports deaths, reconnects when the stream ends (with back-off while the engine is down), then asks the caller to check', async () => {
    const { e, docker } = fakeEngine();
    const deaths: string[] = [];
    const reconnects: number[] = [];
    const w = new EngineWatch({ docker, instance: 'i', logger, retryMs: 5, onDeath: (d) => deaths.push(`${d.containerId}:${d.kind}`), onReconnect: async () => void reconnects.push(e.streams.length) });
    await w.start();
    e.streams[0]!.write(JSON.stringify({ Action: 'die', id: 'c1', Actor: { Attributes: { exitCode: '1' } } }) + '\n');
    await tick();
    expect(deaths).toEqual(['c1:crash']);
    // the engine goes away: the stream ends and the next tries are refused
    e.down = true;
    e.streams[0]!.end();
    await tick(40);
    expect(reconnects).toEqual([]);
    e.down = false;
    for (let i = 0; i < 100 && reconnects.length === 0; i++) await tick(10);
    expect(reconnects).toEqual([2]);
    // the new stream reports as the first did
    e.streams[1]!.write(JSON.stringify({ Action: 'oom', id: 'c2' }) + '\n' + JSON.stringify({ Action: 'die', id: 'c2' }) + '\n');
    await tick();
    expect(deaths).toEqual(['c1:crash', 'c2:oom']);
    w.stop();
  });

  it('interrupt() holds the reconnect until resume(); stop() ends it for good', async () => {
    const { e, docker } = fakeEngine();
    let reconnects = 0;
    const w = new EngineWatch({ docker, instance: 'i', logger, retryMs: 1, onDeath: () => undefined, onReconnect: async () => void reconnects++ });
    await w.start();
    const held = w.interrupt();
    await tick(20);
    expect(e.streams).toHaveLength(1);
    held.resume();
    for (let i = 0; i < 100 && reconnects === 0; i++) await tick(5);
    expect(reconnects).toBe(1);
    w.stop();
    e.streams[1]!.end();
    await tick(20);
    expect(e.streams).toHaveLength(2);
  });

  it('notRunning: stopped and removed containers count as lost; one the engine cannot answer for does not', async () => {
    const states: Record<string, unknown> = { a: { State: { Running: true } }, b: { State: { Running: false } }, c: { statusCode: 404 }, d: { statusCode: 500 } };
    const docker = {
      getContainer: (id: string) => ({ inspect: async () => (id === 'c' || id === 'd' ? Promise.reject(states[id]) : states[id]) }),
    } as unknown as Docker;
    expect(await notRunning(docker, ['a', 'b', 'c', 'd'])).toEqual(['b', 'c']);
  });
});
