import type { Pty } from '../../../src/sandbox/shell/pty';
import { PtySession } from '../../../src/sandbox/shell/pty-session';
import type { Clock } from '../../../src/kit';

/** Virtual time: timers run only when the test advances it. */
function virtualClock(): Clock & { advance(ms: number): void } {
  let t = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => t,
    setTimeout: (fn, ms) => {
      timers.set(++seq, { at: t + ms, fn });
      return seq;
    },
    clearTimeout: (h) => void timers.delete(h as number),
    advance(ms) {
      t += ms;
      for (const [id, x] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (x.at > t) continue;
        timers.delete(id);
        x.fn();
      }
    },
  };
}

const CHUNK = 'flood\n'.repeat(682); // ~4 KiB, as a pty read hands it over

/** A shell behind a pty with a writer flooding its terminal whenever the terminal is read. */
function floodingPty(canPause: boolean) {
  let listener: (d: string) => void = () => undefined;
  let paused = false;
  let emitted = 0;
  const pty: Pty = {
    pid: 1,
    exit: new Promise(() => undefined),
    onData: (l) => void (listener = l),
    resize: () => undefined,
    terminate: () => undefined,
    write: (data) => {
      if (data.includes('PROMPT_COMMAND=__dh_done')) queueMicrotask(() => listener('\x1b]7770;init;0;0;99\x07'));
      const run = /^__dh_run ([0-9a-f]+) /.exec(data);
      if (run) {
        // What the writer left in the terminal's buffers while reading was paused arrives first.
        queueMicrotask(() => listener(`${CHUNK}${CHUNK}\x1b]7770;started\x07ok\r\n\x1b]7770;${run[1]};0;0;99;0;0;0\x07${CHUNK}`));
      }
    },
    ...(canPause ? { pause: () => void (paused = true), resume: () => void (paused = false) } : {}),
  };
  return {
    pty,
    isPaused: () => paused,
    emitted: () => emitted,
    /** One virtual millisecond of the writer: up to 4 reads (16 MB/s) while the terminal is read. */
    tick() {
      for (let i = 0; i < 4 && !paused; i++) {
        emitted += CHUNK.length;
        listener(CHUNK);
      }
    },
  };
}

async function flood(canPause: boolean, seconds: number) {
  const clock = virtualClock();
  const f = floodingPty(canPause);
  const session = new PtySession({ pty: f.pty, clock, idleBytesPerSecond: 8192, probe: async () => ({ waitingForInput: false }), killProcessGroup: async () => undefined });
  await session.start();
  for (let ms = 0; ms < seconds * 1000; ms++) {
    f.tick();
    clock.advance(1);
  }
  return { session, f };
}

describe('output between commands', () => {
  it('is read at a bounded rate: at most the budget plus one read per second, the rest left in the terminal', async () => {
    const { session, f } = await flood(true, 10);
    // 10 windows of 8 KiB (+ the read that crossed it), against 160 MB the writer would push if read freely
    expect(f.emitted()).toBeLessThanOrEqual(10 * (8192 + CHUNK.length));
    expect(f.emitted()).toBeGreaterThan(0);
    expect(session.droppedIdleBytes).toBe(f.emitted());
    session.close();
  });

  it('without flow control every byte of the flood is read (what the budget prevents)', async () => {
    const { session, f } = await flood(false, 1);
    expect(f.emitted()).toBe(1000 * 4 * CHUNK.length);
    session.close();
  });

  it('is dropped: the next command reads again at once and shows only its own output', async () => {
    const { session, f } = await flood(true, 3);
    f.tick();
    expect(f.isPaused()).toBe(true);
    const r = await session.run('echo ok', { timeoutMs: 10_000, outputCapBytes: 64 * 1024 });
    expect(r.output).toBe('ok');
    expect(r.exitCode).toBe(0);
    session.close();
  });
});
