import * as path from 'node:path';
import { importScenario } from '../../../src/lessons/import/import-scenario';
import { deriveSolution, looksLikeCommand } from '../../../src/lessons/import/solution-derivation';

const FIX = path.join(__dirname, '../../fixtures');
const steps = (l: { manifest: Record<string, unknown> }) => l.manifest.steps as Record<string, unknown>[];

describe('solutions derived from the scenario, in order: answer file, Solution section, {{exec}} blocks', () => {
  test('a Solution dropdown wins over the exec blocks; the alternative after "OR" is left out', async () => {
    const l = await importScenario(path.join(FIX, 'killercoda/web-bind-mount'));
    expect(steps(l)[0]!.solution).toEqual([
      'docker run -d --name web -p 8080:80 -v /root/site:/usr/share/nginx/html nginx:alpine',
      'curl --retry 10 --retry-all-errors --retry-delay 1 localhost:8080',
    ]);
    expect(l.steps.map((s) => s.solutionSource)).toEqual(['solution-section', 'solution-section', 'exec-blocks']);
    expect(l.notes.map((n) => n.message)).toContain('an alternative (after "OR") to the previous command was left out: `docker run -d --name web -p 8080:80 --mount type=bind,src=/root/site,dst=/usr/share/nginx/html nginx:alpine`');
  });

  test('a "### Solution" section gives the commands under it; inline {{exec}} code counts, plain mentions do not', async () => {
    const l = await importScenario(path.join(FIX, 'killercoda/linux-files'));
    expect(steps(l).map((s) => s.solution)).toEqual([['cd ~', 'touch notes.txt'], ['echo hello > ~/notes.txt', 'cat ~/notes.txt'], ['ls ~/old-report.txt', 'rm ~/old-report.txt']]);
  });

  test('{{exec}} blocks of the text before the Solution section run first, unless the section repeats them', () => {
    const body = [
      'First, stop the previous services:',
      '',
      '```plain',
      'cd ~/old && docker compose down',
      '```{{exec}}',
      '',
      'Then check that the frontend reaches the database:',
      '',
      '```plain',
      'docker exec web ping -c 2 db',
      '```{{exec}}',
      '',
      '<details><summary>Solution</summary>',
      '',
      '```plain',
      'cd ~/new  &&  docker compose up -d',
      '```{{exec}}',
      '',
      '```plain',
      'docker exec web ping -c 2 db',
      '```{{exec}}',
      '',
      '</details>',
    ].join('\n');
    const d = deriveSolution({ body }, new Set());
    expect(d.source).toBe('solution-section');
    expect(d.commands).toEqual(['cd ~/old && docker compose down', 'cd ~/new  &&  docker compose up -d', 'docker exec web ping -c 2 db']);
    expect(d.infos).toContain("`cd ~/old && docker compose down` is an {{exec}} block of the step's text that its Solution section does not repeat; it runs first");
    // a block the section repeats (whitespace aside) is not run twice
    const repeated = body.replace('cd ~/old && docker compose down', 'cd ~/new && docker compose up -d');
    expect(deriveSolution({ body: repeated }, new Set()).commands).toEqual(['cd ~/new  &&  docker compose up -d', 'docker exec web ping -c 2 db']);
  });

  test('a tip saying a request will fail lets the requests of the solution fail (flagged), not the other commands', () => {
    const body = [
      'Send a request from `web` to `api` by name, then by address.',
      '',
      '<details><summary>Tip</summary>',
      '',
      '```plain',
      'You should expect an error message "Could not resolve host: api" upon making the request by name.',
      '```',
      '',
      '</details>',
      '',
      '<details><summary>Solution</summary>',
      '',
      '```plain',
      'docker network inspect bridge',
      '```{{exec}}',
      '',
      '```plain',
      "docker exec web sh -c 'curl -sS api'",
      '```{{exec}}',
      '',
      '```plain',
      'curl -sS 172.17.0.3',
      '```{{exec}}',
      '',
      '</details>',
    ].join('\n');
    const d = deriveSolution({ body }, new Set());
    expect(d.commands).toEqual(['docker network inspect bridge', "docker exec web sh -c 'curl -sS api' || true", 'curl -sS 172.17.0.3 || true']);
    expect(d.todos).toContain("`docker exec web sh -c 'curl -sS api'` is meant to fail (the scenario says so); the solution ignores its exit code");
    // without such a tip the requests must succeed
    expect(deriveSolution({ body: body.replace('You should expect an error message', 'You will see the page') }, new Set()).commands[1]).toBe("docker exec web sh -c 'curl -sS api'");
  });

  test("a Solution that ends by undoing the step (scale down, down) loses that tail, flagged, unless the task asks for it", () => {
    const solution = (cmds: string[]) =>
      ['', '<details><summary>Solution</summary>', '', ...cmds.flatMap((c) => ['```plain', c, '```{{exec}}', '']), '</details>'].join('\n');
    const cmds = [
      "mkdir -p /root/scaling-demo && printf 'services:\\n  worker:\\n    image: nginx:alpine\\n' > /root/scaling-demo/docker-compose.yml",
      'cd /root/scaling-demo && docker-compose up -d',
      'docker-compose up -d --scale worker=3',
      'docker ps | grep worker',
      'docker-compose up -d --scale worker=2',
      'docker-compose down',
    ];
    const task = 'Start the service and then scale it to run 3 instances.\n\n<details><summary>Tip</summary>\n\nStop it with `docker-compose down`.\n\n</details>\n';
    const d = deriveSolution({ body: task + solution(cmds) }, new Set());
    expect(d.commands).toEqual(cmds.slice(0, 4));
    expect(d.todos).toContain(
      "the Solution ends by undoing the step (`docker-compose up -d --scale worker=2`, `docker-compose down`) though the step's text does not ask for it; " +
        "left out of the solution, since the step's check may read what it undoes (move it to a later step's text if learners should try it)",
    );
    // the task asks for the teardown: nothing is cut
    expect(deriveSolution({ body: 'Scale it to 3, then stop all services.\n' + solution(cmds) }, new Set()).commands).toEqual(cmds);
    expect(deriveSolution({ body: 'Scale it to 3, then run `docker compose -p demo down`.\n' + solution(cmds) }, new Set()).commands).toEqual(cmds);
    // scaling up is not undoing, and a solution that is only a teardown keeps it
    expect(deriveSolution({ body: 'Scale the workers.\n' + solution(cmds.slice(1, 3)) }, new Set()).commands).toEqual(cmds.slice(1, 3));
    expect(deriveSolution({ body: 'Tidy the host.\n' + solution(['docker rm -f web', 'docker network rm demo']) }, new Set()).commands).toEqual(['docker rm -f web', 'docker network rm demo']);
  });

  test('"ssh node01" then commands: they run on node01 with ssh until "exit"; a tip\'s expected failure still applies', () => {
    const body = [
      'Connect via SSH to the host named `node01` and request `controlplane:80` and `controlplane:81`.',
      '',
      '<details><summary>Tip</summary>',
      '',
      'You should expect an error message "Connection refused" upon executing the "curl controlplane:81" command.',
      '',
      '</details>',
      '',
      '<details><summary>Solution</summary>',
      '',
      ...['ssh node01', 'curl controlplane:80', "echo 'on the node' > /tmp/where", 'exit', 'ssh -p 22 root@node01 curl -sS controlplane:81', 'docker ps'].flatMap((c) => [
        '```plain',
        c,
        '```{{exec}}',
        '',
      ]),
      '</details>',
    ].join('\n');
    const d = deriveSolution({ body }, new Set());
    expect(d.commands).toEqual([
      "ssh node01 'curl controlplane:80 || true'",
      "ssh node01 'echo '\\''on the node'\\'' > /tmp/where'",
      'ssh -p 22 root@node01 curl -sS controlplane:81 || true',
      'docker ps',
    ]);
    expect(d.infos).toContain(
      "`ssh node01` logs into node01: the solution runs the commands after it with `ssh node01 '...'` until `exit` (node01..node09 are containers of the sandbox's engine)",
    );
    expect(d.todos.join('\n')).not.toMatch(/ssh is not installed|logs into another machine/);
    // any other host is still another machine: dropped, flagged
    const other = deriveSolution({ body: 'Log in.\n\n```plain\nssh admin@bastion.example.com\n```{{exec}}\n\n```plain\ndocker ps\n```{{exec}}\n' }, new Set());
    expect(other.commands).toEqual(['docker ps']);
    expect(other.todos).toContain('`ssh admin@bastion.example.com` logs into another machine; dropped (a Dockhand sandbox is one machine, commands meant for it run locally)');
  });

  test('without a Solution section the {{exec}} blocks are used in order', async () => {
    const l = await importScenario(path.join(FIX, 'killercoda/web-bind-mount'));
    expect(steps(l)[2]!.solution).toEqual(['docker rm -f web']);
  });

  test('a Katacoda answer file comes first, even when the text has {{execute}} blocks', async () => {
    const l = await importScenario(path.join(FIX, 'katacoda/first-container'));
    expect(steps(l)[0]!.solution).toEqual(['docker run -d --name sleeper debian:bookworm-slim sleep 600']);
    expect(l.steps[0]!.solutionSource).toBe('answer');
  });

  test('an answer file named by convention (stepN-answer.md) is used and reported', async () => {
    const l = await importScenario(path.join(FIX, 'katacoda/pathway/containers/image-basics'));
    expect(steps(l)[0]!.solution).toEqual(['docker pull busybox']);
    expect(l.notes).toContainEqual({ severity: 'info', where: 'details.steps[0]', message: '"step1-answer.md" is not named in index.json; used as the step\'s answer file by its name' });
  });

  test('a Katacoda editor block becomes a heredoc in the solution, flagged as a TODO', async () => {
    const l = await importScenario(path.join(FIX, 'katacoda/first-container'));
    expect(steps(l)[1]!.solution).toEqual(["cat > /root/names.txt <<'EOF'\nsleeper\nEOF", 'wc -l /root/names.txt']);
    expect(l.notes).toContainEqual({ severity: 'todo', where: 'details.steps[1]', message: 'writes /root/names.txt from a Katacoda editor block (a heredoc in the solution); check the file\'s path and content' });
  });

  test('plain and {{copy}} blocks meant for an editor write the file the prose names (replace, or append for "add"), flagged', async () => {
    const l = await importScenario(path.join(FIX, 'killercoda/risky-commands'));
    const sol = steps(l)[3]!.solution as string[];
    expect(sol.slice(0, 3)).toEqual([
      "cat > /root/app/Dockerfile <<'EOF'\nFROM debian:bookworm-slim\nCMD [\"sleep\", \"infinity\"]\nEOF",
      "cat >> /root/app/Dockerfile <<'EOF'\nLABEL purpose=demo\nEOF",
      'docker build -t myapp /root/app',
    ]);
    const todos = l.notes.filter((n) => n.where === 'details.steps[3]' && n.severity === 'todo').map((n) => n.message);
    expect(todos).toEqual(
      expect.arrayContaining([
        'writes /root/app/Dockerfile from a plain block meant for an editor (replaced); check it',
        'writes /root/app/Dockerfile from a {{copy}} block meant for an editor (appended); check it',
        'a code block that is not a command and names no file was left out of the solution: `CONTAINER ID   IMAGE   COMMAND`',
      ]),
    );
  });

  test('a step with nothing runnable gets no solution and a TODO, never an invented one', async () => {
    const l = await importScenario(path.join(FIX, 'killercoda/prose-only'));
    expect(steps(l)[0]).not.toHaveProperty('solution');
    expect(l.steps[0]!.solutionSource).toBe('none');
    expect(l.notes.map((n) => `${n.severity} ${n.where}: ${n.message}`)).toContain(
      'todo details.steps[0]: "Create a file": no solution in the scenario (no answer file, Solution section or {{exec}} block): write solution (the commands that complete the step)',
    );
  });

  test('exec blocks inside a Tip are hints, not solution commands; "$ " prompts are dropped', () => {
    const md = 'Do it: `docker ps`{{exec}}\n\n<details><summary>Tip</summary>\n\n`docker ps -a`{{exec}}\n\n</details>\n\n```\n$ docker images\n```{{exec}}';
    expect(deriveSolution({ body: md }, new Set()).commands).toEqual(['docker ps', 'docker images']);
  });

  test('tells commands from file contents', () => {
    expect(looksLikeCommand('docker run -d nginx')).toBe(true);
    expect(looksLikeCommand('$ ls -l')).toBe(true);
    expect(looksLikeCommand('FROM nginx\nCOPY . /usr/share/nginx/html')).toBe(false);
    expect(looksLikeCommand('services:\n  web:\n    image: nginx')).toBe(false);
  });
});
