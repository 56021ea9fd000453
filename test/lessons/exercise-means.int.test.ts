import * as path from 'node:path';
import { runCheck, type CheckOutcome } from '../../src/lessons/check-outcome';
import { loadLessons } from '../../src/lessons/lesson-loader';
import { ManagerLessonSandbox } from '../../src/lessons/manager-lesson-sandbox';
import { runSetup } from '../../src/lessons/step-scripts';
import type { Lesson } from '../../src/lessons/types';
import type { SandboxManager } from '../../src/sandbox/lifecycle/sandbox-manager';
import { IMAGES_TIMEOUT_MS, newManager, sandboxImages } from '../sandbox/sandbox-fixture';

// Exercises check the means, not only the end: the shipped exercises, their real setups and checks (run by the
// trusted runner), in real sandboxes, against the shortcuts a competing learner would take.
jest.setTimeout(300_000);

let manager: SandboxManager;
let exercises: Map<string, Lesson>;

beforeAll(async () => {
  await sandboxImages();
  ({ manager } = await newManager('means', { maxSandboxes: 3, commandTimeoutSeconds: 120, commandMaxTimeoutSeconds: 300 }));
  await manager.start();
  exercises = new Map((await loadLessons(path.join(__dirname, '../../lessons'))).lessons.map((l) => [l.id, l]));
}, IMAGES_TIMEOUT_MS);

afterAll(async () => {
  await manager?.destroyAll();
});

/** One learner on one exercise: the learner's commands (their shell), the setup and the check as the tutor runs them. */
function attempt(key: string, exerciseId: string) {
  const lesson = exercises.get(exerciseId)!;
  const step = lesson.steps[0]!;
  const sandbox = new ManagerLessonSandbox(manager, key);
  return {
    setup: async () => expect((await runSetup(sandbox, lesson.id, step))?.exitCode).toBe(0),
    type: async (command: string) => {
      const r = await manager.run(key, command, { timeoutMs: 120_000 });
      return r.output.trim();
    },
    check: (): Promise<CheckOutcome> => runCheck(sandbox, step, { lessonId: lesson.id }),
  };
}

const NUMPY_MEAN = `python3 -c 'import numpy as np; print(np.loadtxt("/work/numbers.txt").mean())'`;
const AWK_MEAN = `awk '{ s += $1 } END { print s / NR }' ~/numbers.txt`;

describe('numbers-in-a-container: fresh numbers per attempt, computed in a container', () => {
  it('refuses a hand-written answer, a container that only prints it, edited numbers and an earlier attempt; passes the real thing', async () => {
    const a = attempt('T1:Unumbers', 'numbers-in-a-container');
    await a.setup();
    const first = await a.type('cat ~/numbers.txt | tr "\\n" " "');
    expect(await a.check()).toMatchObject({ passed: false, message: '~/mean.txt does not exist yet.' });

    // the expected output file written by hand, with the right number
    await a.type(`${AWK_MEAN} > ~/mean.txt`);
    expect(await a.check()).toMatchObject({ passed: false, message: expect.stringMatching(/^No container of the dockhand\/ml image printed /) });

    // a container that prints the right answer without reading the data (it even mounts the folder)
    await a.type(`docker run -v ~:/work dockhand/ml echo "$(${AWK_MEAN})" > ~/mean.txt`);
    expect(await a.check()).toMatchObject({ passed: false, message: expect.stringMatching(/^Run again on other numbers, your container printed '[0-9.]+' instead of their mean/) });
    // ... and one that does not even mount it
    await a.type(`docker rm -f $(docker ps -aq) >/dev/null; docker run dockhand/ml python3 -c "print($(${AWK_MEAN}))" > ~/mean.txt`);
    expect(await a.check()).toMatchObject({ passed: false, message: expect.stringMatching(/does not read ~\/numbers.txt/) });

    // numbers of the learner's own choosing, honestly averaged in a container: not this attempt's numbers
    await a.type('docker rm -f $(docker ps -aq) >/dev/null; cp ~/numbers.txt ~/numbers.bak; seq 10 > ~/numbers.txt');
    await a.type(`docker run -v ~:/work dockhand/ml:latest ${NUMPY_MEAN} > ~/mean.txt`);
    expect(await a.type('cat ~/mean.txt')).toBe('5.5');
    expect(await a.check()).toMatchObject({ passed: false, message: expect.stringMatching(/^~\/mean.txt says 5.5, which is not the mean/) });

    // the honest solution
    await a.type('docker rm -f $(docker ps -aq) >/dev/null; mv ~/numbers.bak ~/numbers.txt');
    await a.type(`docker run -v ~:/work dockhand/ml:latest ${NUMPY_MEAN} > ~/mean.txt`);
    expect(await a.check()).toMatchObject({ passed: true, message: expect.stringMatching(/^Right: the mean is [0-9.]+, computed in a dockhand\/ml container\.$/) });

    // a new attempt in the same sandbox: new numbers; the earlier solution no longer counts
    await a.setup();
    expect(await a.type('cat ~/numbers.txt | tr "\\n" " "')).not.toBe(first);
    await a.type(`echo "$(docker logs $(docker ps -aq | head -n 1))" > ~/mean.txt`);
    expect(await a.check()).toMatchObject({ passed: false });
    await a.type(`docker run -v ~:/work dockhand/ml:latest ${NUMPY_MEAN} > ~/mean.txt`);
    expect(await a.check()).toMatchObject({ passed: true });
  });

  it('a sandbox prepared for another exercise (no numbers of this one) never passes, and two learners get different numbers', async () => {
    const other = attempt('T1:Uother', 'numbers-in-a-container');
    // this learner's sandbox ran another exercise's setup (serve-your-page has none; docker-for-ml's data step is theirs)
    await other.type('seq 1 20 > ~/numbers.txt');
    await other.type(`docker run -v ~:/work dockhand/ml:latest ${NUMPY_MEAN} > ~/mean.txt`);
    expect(await other.check()).toMatchObject({ passed: false, message: expect.stringMatching(/^This sandbox has no numbers for this exercise/) });

    const mine = attempt('T1:Uneighbour', 'numbers-in-a-container');
    await Promise.all([other.setup(), mine.setup()]);
    const [n1, n2] = await Promise.all([other.type('md5sum < ~/numbers.txt'), mine.type('md5sum < ~/numbers.txt')]);
    expect(n1).not.toBe(n2);
    await manager.reset('T1:Uother');
    await manager.reset('T1:Uneighbour');
    await manager.reset('T1:Unumbers');
  });
});

describe('serve-your-page and nginx-on-8080: the container that publishes the port is the one doing the work', () => {
  it('refuses docker cp into one container plus the folder mounted in another, and a look-alike on 8080; passes the real thing', async () => {
    const page = attempt('T1:Upage', 'serve-your-page');
    await page.type(`mkdir -p ~/mypage && echo '<h1>Made with Dockhand</h1>' > ~/mypage/index.html`);
    await page.type('docker run -d --name web -p 8090:80 nginx >/dev/null && docker cp ~/mypage/index.html web:/usr/share/nginx/html/index.html');
    await page.type('docker run -d --name holder -v ~/mypage:/usr/share/nginx/html busybox sleep 3600 >/dev/null');
    expect(await page.type('curl -s localhost:8090')).toContain('Dockhand');
    expect(await page.check()).toMatchObject({ passed: false, message: 'The nginx container on 8090 does not share a folder of yours into /usr/share/nginx/html (use -v).' });
    // the folder shared with a web server on 8090 that is not nginx
    await page.type('docker rm -f web holder >/dev/null; docker run -d --name web -p 8090:80 -v ~/mypage:/www busybox httpd -f -p 80 -h /www >/dev/null');
    expect(await page.check()).toMatchObject({ passed: false, message: expect.stringMatching(/^Port 8090 is published by a container of busybox, not of the nginx image\.$/) });
    // the real thing
    await page.type('docker rm -f web >/dev/null; docker run -d --name web -p 8090:80 -v ~/mypage:/usr/share/nginx/html:ro nginx >/dev/null');
    expect(await page.check()).toMatchObject({ passed: true, message: 'Your page is live on port 8090.' });

    // nginx-on-8080 in the same sandbox: busybox serving nginx's welcome page, then busybox tagged as nginx
    const web = attempt('T1:Upage', 'nginx-on-8080');
    await web.type(`mkdir -p ~/fake && echo '<h1>Welcome to nginx!</h1>' > ~/fake/index.html`);
    await web.type('docker run -d --name fake -p 8080:80 -v ~/fake:/www busybox httpd -f -p 80 -h /www >/dev/null');
    expect(await web.check()).toMatchObject({ passed: false, message: 'Port 8080 answers, but not from an nginx container publishing its port 80.' });
    await web.type('docker rm -f fake >/dev/null; docker tag busybox nginx:fake; docker run -d --name fake -p 8080:80 -v ~/fake:/www nginx:fake httpd -f -p 80 -h /www >/dev/null');
    expect(await web.check()).toMatchObject({ passed: false, message: 'Port 8080 answers, but not from an nginx container publishing its port 80.' });
    await web.type('docker rm -f fake >/dev/null; docker run -d -p 8080:80 nginx >/dev/null');
    expect(await web.check()).toMatchObject({ passed: true, message: 'nginx answers on port 8080.' });
    await manager.reset('T1:Upage');
  });
});
