import type { SandboxManager } from '../../../src/sandbox/lifecycle/sandbox-manager';
import { IMAGES_TIMEOUT_MS, newManager, sandboxImages } from '../sandbox-fixture';

let manager: SandboxManager;
const L = 'T1:U-cpu';
beforeAll(async () => {
  await sandboxImages();
  ({ manager } = await newManager('cpumeas'));
  await manager.start();
}, IMAGES_TIMEOUT_MS);
afterAll(async () => {
  await manager?.destroyAll();
});

it('measures bot CPU with a setsid flood between commands', async () => {
  await manager.run(L, 'echo warm');
  const idle0 = process.cpuUsage();
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, 10_000));
  const idle = process.cpuUsage(idle0);
  const idleMs = Date.now() - t0;
  const first = await manager.run(L, "setsid sh -c 'while :; do echo flood; done' & sleep 1");
  // eslint-disable-next-line no-console
  console.log('first', JSON.stringify({ ...first, output: first.output.length }));
  const early = await manager.run(L, 'pgrep -c -f "while :" || true; echo $?');
  // eslint-disable-next-line no-console
  console.log('early', JSON.stringify(early.output.slice(-100)));
  const c0 = process.cpuUsage();
  const t1 = Date.now();
  await new Promise((r) => setTimeout(r, 10_000));
  const c = process.cpuUsage(c0);
  const wall = Date.now() - t1;
  const next0 = Date.now();
  const next = await manager.run(L, 'echo next; pgrep -c -f "while :" || true');
  const nextMs = Date.now() - next0;
  // eslint-disable-next-line no-console
  console.log(JSON.stringify({ idleCpuPct: ((idle.user + idle.system) / 10 / idleMs).toFixed(1), floodCpuPct: ((c.user + c.system) / 10 / wall).toFixed(1), wall, nextMs, nextOutput: next.output.slice(0, 200) }));
}, 120_000);
