import { runCheck } from '../../src/lessons/check-outcome';
import type { LessonSandbox } from '../../src/lessons/lesson-sandbox';
import type { ScriptResult as ScriptRun } from '../../src/sandbox';
import { checkSeed, runSetup, seedName, usesSeed } from '../../src/lessons/step-scripts';

const ok = (output = ''): ScriptRun => ({ exitCode: 0, output, timedOut: false, truncated: false, durationMs: 1 });

/** Records what goes where: the sandbox (run), the trusted runner (check), the seed store (newSeed). */
function recordingSandbox() {
  const calls: { op: 'run' | 'check' | 'newSeed'; text: string; seed?: string }[] = [];
  let n = 0;
  const sandbox: LessonSandbox = {
    run: async (script) => (calls.push({ op: 'run', text: script }), ok()),
    check: async (script, opts) => (calls.push({ op: 'check', text: script, seed: opts.seed }), ok('PASS: fine\n')),
    newSeed: async (name) => (calls.push({ op: 'newSeed', text: name }), String(++n * 1000)),
    dispose: async () => undefined,
  };
  return { sandbox, calls };
}

const step = (over: { id?: string; setup?: string; check?: string }) => ({ id: 'mean', check: 'exit 0', checkTimeoutMs: 5000, solutionTimeoutMs: 60_000, ...over });

describe('seeded steps', () => {
  it('are the ones whose setup or check reads DOCKHAND_SEED', () => {
    expect(usesSeed({ setup: 'numbers "$DOCKHAND_SEED" > ~/n' })).toBe(true);
    expect(usesSeed({ check: '[ -n "$DOCKHAND_SEED" ]' })).toBe(true);
    expect(usesSeed({ setup: 'rm -f ~/x', check: 'test -f ~/x' })).toBe(false);
    expect(seedName('numbers-in-a-container', 'mean')).toBe('numbers-in-a-container.mean');
    // another lesson's step of the same id has its own seed
    expect(checkSeed('a', step({ check: '$DOCKHAND_SEED' }))).not.toBe(checkSeed('b', step({ check: '$DOCKHAND_SEED' })));
    expect(checkSeed(undefined, step({ check: '$DOCKHAND_SEED' }))).toBeUndefined();
  });

  it('get a fresh seed every time their setup runs, passed to the setup, which runs from ~ in the sandbox', async () => {
    const { sandbox, calls } = recordingSandbox();
    const s = step({ setup: 'numbers "$DOCKHAND_SEED" > ~/numbers.txt' });
    await runSetup(sandbox, 'ex', s);
    await runSetup(sandbox, 'ex', s);
    expect(calls.map((c) => c.op)).toEqual(['newSeed', 'run', 'newSeed', 'run']);
    expect(calls[0]!.text).toBe('ex.mean');
    expect(calls[1]!.text).toBe('exec 2>&1\ncd ~\nexport DOCKHAND_SEED=1000\nnumbers "$DOCKHAND_SEED" > ~/numbers.txt');
    expect(calls[3]!.text).toContain('export DOCKHAND_SEED=2000\n');
  });

  it('a setup without a seed gets none, and a step without a setup runs nothing', async () => {
    const { sandbox, calls } = recordingSandbox();
    await runSetup(sandbox, 'ex', step({ setup: 'rm -f ~/x' }));
    expect(await runSetup(sandbox, 'ex', step({}))).toBeUndefined();
    expect(calls).toEqual([{ op: 'run', text: 'exec 2>&1\ncd ~\nrm -f ~/x' }]);
  });
});

describe('runCheck', () => {
  it('sends the check to the trusted runner, never to the sandbox, with the seed of a seeded step', async () => {
    const { sandbox, calls } = recordingSandbox();
    const outcome = await runCheck(sandbox, step({ check: 'test "$DOCKHAND_SEED" = 1' }), { lessonId: 'ex' });
    expect(outcome).toMatchObject({ passed: true, message: 'fine' });
    expect(calls).toEqual([{ op: 'check', text: 'exec 2>&1\ntest "$DOCKHAND_SEED" = 1', seed: 'ex.mean' }]);
    await runCheck(sandbox, step({ check: 'true' }), { lessonId: 'ex' });
    expect(calls[1]).toEqual({ op: 'check', text: 'exec 2>&1\ntrue', seed: undefined });
  });
});
