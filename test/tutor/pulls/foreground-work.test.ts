import { ForegroundWork } from '../../../src/tutor/pulls/foreground-work';

const settle = () => new Promise((r) => setImmediate(r));

describe('foreground work (what learners wait on)', () => {
  it('is busy while any tracked work runs, and tells its listeners once the last one ends', async () => {
    const fg = new ForegroundWork();
    let idle = 0;
    fg.onIdle(() => idle++);
    let endA!: () => void;
    let endB!: (e: Error) => void;
    const a = fg.track(new Promise<void>((r) => (endA = r)));
    const b = fg.track(new Promise<void>((_r, reject) => (endB = reject)));
    b.catch(() => undefined);
    expect(fg.busy).toBe(true);
    endA();
    await a;
    await settle();
    expect(fg.busy).toBe(true);
    expect(idle).toBe(0);
    endB(new Error('sandbox failed to start')); // a failure ends it too
    await settle();
    expect(fg.busy).toBe(false);
    expect(idle).toBe(1);
  });

  it('counts the sandbox calls a learner waits on through the wrapped port, not the others, and returns their results', async () => {
    const fg = new ForegroundWork();
    let release!: () => void;
    const port = {
      calls: [] as string[],
      run(key: string) {
        this.calls.push(`run ${key}`);
        return new Promise<{ exitCode: number }>((r) => (release = () => r({ exitCode: 0 })));
      },
      on() {
        this.calls.push('on');
        return () => undefined;
      },
    };
    const wrapped = fg.wrap(port);
    wrapped.on();
    expect(fg.busy).toBe(false);
    const out = wrapped.run('T1:U1');
    expect(fg.busy).toBe(true);
    release();
    await expect(out).resolves.toEqual({ exitCode: 0 });
    await settle();
    expect(fg.busy).toBe(false);
    // `this` inside the port's methods is the port itself
    expect(port.calls).toEqual(['on', 'run T1:U1']);
  });
});
