import * as path from 'node:path';
import { runCheck } from '../../../src/lessons/check-outcome';
import { loadLessons } from '../../../src/lessons/lesson-loader';
import { ManagerLessonSandbox } from '../../../src/lessons/manager-lesson-sandbox';
import type { LessonStep } from '../../../src/lessons/types';
import type { SandboxManager } from '../../../src/sandbox/lifecycle/sandbox-manager';
import { IMAGES_TIMEOUT_MS, newManager, sandboxImages } from '../sandbox-fixture';

// The latency of one real check (lesson 1 step 1, after `docker run hello-world`), ten times, through the trusted
// runner: printed (median, min, max) to compare designs of the inspector, never asserted.
jest.setTimeout(300_000);

const KEY = 'T1:Ulatency';
let manager: SandboxManager;
let step: LessonStep;

beforeAll(async () => {
  await sandboxImages();
  ({ manager } = await newManager('latency', { maxSandboxes: 1 }));
  await manager.start();
  step = (await loadLessons(path.join(__dirname, '../../../lessons'))).lessons.find((l) => l.id === 'running-containers')!.steps[0]!;
}, IMAGES_TIMEOUT_MS);

afterAll(async () => {
  await manager?.destroyAll();
});

it('lesson 1 step 1 passes ten times after `docker run hello-world`; its latency is printed', async () => {
  const r = await manager.run(KEY, 'docker run hello-world >/dev/null && echo ran', { timeoutMs: 120_000 });
  expect(r.output).toContain('ran');
  const sandbox = new ManagerLessonSandbox(manager, KEY);
  const t0 = performance.now();
  expect(await runCheck(sandbox, step)).toMatchObject({ passed: true });
  const first = performance.now() - t0;
  const ms: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    expect(await runCheck(sandbox, step)).toMatchObject({ passed: true });
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  console.log(`check latency (lesson 1 step 1): first (creates the inspector) ${first.toFixed(0)} ms; then median ${((ms[4]! + ms[5]!) / 2).toFixed(0)} ms, min ${ms[0]!.toFixed(0)}, max ${ms[9]!.toFixed(0)} (n=10)`);
});
