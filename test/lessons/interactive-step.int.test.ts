import * as path from 'node:path';
import { runCheck } from '../../src/lessons/check-outcome';
import { loadLessons } from '../../src/lessons/lesson-loader';
import { ManagerLessonSandbox } from '../../src/lessons/manager-lesson-sandbox';
import type { LessonStep } from '../../src/lessons/types';
import type { SandboxManager } from '../../src/sandbox/lifecycle/sandbox-manager';
import { IMAGES_TIMEOUT_MS, newManager, sandboxImages } from '../sandbox/sandbox-fixture';

// processes-and-signals/interactive is typed the way the chat runs it: `docker run -it` in the learner's pty,
// then each line sent as input to the waiting command (lessons:test can only lend it a terminal with `script`).
jest.setTimeout(300_000);

let manager: SandboxManager;
let step: LessonStep;

beforeAll(async () => {
  await sandboxImages();
  ({ manager } = await newManager('interactive', { maxSandboxes: 1, commandTimeoutSeconds: 120, commandMaxTimeoutSeconds: 300 }));
  await manager.start();
  const lesson = (await loadLessons(path.join(__dirname, '../../lessons'))).lessons.find((l) => l.id === 'processes-and-signals')!;
  step = lesson.steps.find((s) => s.id === 'interactive')!;
}, IMAGES_TIMEOUT_MS);

afterAll(async () => {
  await manager?.destroyAll();
});

describe('a -it shell typed into through the chat', () => {
  it('passes when the lines go into the container shell; a docker exec write and a shell still open do not', async () => {
    const key = 'T1:Uinteractive';
    const sandbox = new ManagerLessonSandbox(manager, key);
    const check = () => runCheck(sandbox, step, { lessonId: 'processes-and-signals' });

    // A detached shell with the file written by docker exec: not the container's own PID 1.
    await manager.run(key, 'docker run -dit --name scratchpad debian:bookworm-slim bash', { timeoutMs: 120_000 });
    await manager.run(key, `docker exec scratchpad bash -c 'echo "my PID is $$" > /whoami.txt'`, { timeoutMs: 60_000 });
    expect(await check()).toMatchObject({ passed: false, message: expect.stringContaining('docker exec') });
    await manager.run(key, 'docker rm -f scratchpad', { timeoutMs: 60_000 });

    // The step as its text says: the command waits for input, each message is typed into the container's bash.
    const started = await manager.run(key, 'docker run -it --name scratchpad debian:bookworm-slim bash', { timeoutMs: 60_000 });
    expect(started.waitingForInput).toBe(true);
    const typed = await manager.sendInput(key, 'echo "my PID is $$" > /whoami.txt\n');
    expect(typed.waitingForInput).toBe(true);
    // the file is there, but the shell still runs: not done until `exit`
    expect(await check()).toMatchObject({ passed: false, message: "scratchpad's shell still runs: type exit." });
    const left = await manager.sendInput(key, 'exit\n');
    expect(left.waitingForInput).toBe(false);
    expect(await check()).toMatchObject({ passed: true, message: "You typed into the container's own shell (PID 1) and left it with exit." });
  });
});
