import { InFlight } from '../../../src/slack/app/in-flight';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('InFlight.drain(signal)', () => {
  it('is true at once when idle, even with an aborted signal', async () => {
    await expect(new InFlight().drain(AbortSignal.abort())).resolves.toBe(true);
  });

  it('is false at once when work is in flight and the signal has already aborted', async () => {
    const inFlight = new InFlight();
    const work = deferred();
    const tracked = inFlight.track(() => work.promise);
    await expect(inFlight.drain(AbortSignal.abort())).resolves.toBe(false);
    work.resolve();
    await tracked;
  });

  it('is true when the work ends before the signal aborts', async () => {
    const inFlight = new InFlight();
    const work = deferred();
    const tracked = inFlight.track(() => work.promise);
    const controller = new AbortController();
    let done: boolean | undefined;
    const draining = inFlight.drain(controller.signal).then((d) => (done = d));
    await settle();
    expect(done).toBeUndefined();
    work.resolve();
    await Promise.all([tracked, draining]);
    expect(done).toBe(true);
    // Aborting afterwards changes nothing.
    controller.abort();
    expect(done).toBe(true);
  });

  it('is false when the signal aborts first; later completion does not resolve it again', async () => {
    const inFlight = new InFlight();
    const work = deferred();
    const tracked = inFlight.track(() => work.promise);
    const controller = new AbortController();
    const draining = inFlight.drain(controller.signal);
    controller.abort();
    await expect(draining).resolves.toBe(false);
    expect(inFlight.size).toBe(1);
    work.resolve();
    await tracked;
    expect(inFlight.size).toBe(0);
  });

  it('shares one deadline: a timeout signal (fake timers) ends every wait at the same time', async () => {
    jest.useFakeTimers();
    try {
      const inFlight = new InFlight();
      const work = deferred();
      const tracked = inFlight.track(() => work.promise);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 1000);
      const first = inFlight.drain(controller.signal);
      const second = inFlight.drain(controller.signal);
      jest.advanceTimersByTime(999);
      expect(controller.signal.aborted).toBe(false);
      jest.advanceTimersByTime(1);
      await expect(Promise.all([first, second])).resolves.toEqual([false, false]);
      work.resolve();
      await tracked;
    } finally {
      jest.useRealTimers();
    }
  });
});
