import * as path from 'node:path';
import { importScenario } from '../../../src/lessons/import/import-scenario';
import { reviewEntry } from '../../../src/lessons/import/risky-commands';

const FIX = path.join(__dirname, '../../fixtures');
const ctx = { expectFailure: false, serverStarted: false, localImages: new Set<string>() };

describe('risky commands in derived solutions are rewritten or dropped, and always flagged as TODOs', () => {
  let lesson: Awaited<ReturnType<typeof importScenario>>;
  const solution = (i: number) => (lesson.manifest.steps as Record<string, unknown>[])[i]!.solution as string[];
  const todos = (i: number) => lesson.notes.filter((n) => n.where === `details.steps[${i}]` && n.severity === 'todo').map((n) => n.message);
  beforeAll(async () => {
    lesson = await importScenario(path.join(FIX, 'killercoda/risky-commands'));
  });

  test('interactive shells, editors, ssh and followed logs are dropped; -it is removed; servers and pings no longer block', () => {
    expect(solution(0)).toEqual([
      'docker run --rm busybox echo hi',
      'docker run -d --name web nginx',
      'docker run -d --name web2 nginx',
      'docker exec web cat /etc/hostname',
      'ping -c 3 example.com',
      'docker exec web ping -c 3 db',
    ]);
    expect(todos(0)).toEqual([
      "`docker run -it debian:bookworm-slim bash` opens an interactive shell; dropped from the solution (do the shell's work with `docker exec NAME sh -c '...'`)",
      '`docker run -it --rm busybox echo hi` asks for a terminal (-i/-t); the solution runs it without one',
      '`docker run --name web nginx` would block in the foreground; the solution runs it detached (-d)',
      '`docker run -it --name web2 nginx` runs a server with a terminal attached; the solution runs it detached (-d) instead',
      "`docker exec -it web sh` opens an interactive shell; dropped from the solution (do the shell's work with `docker exec NAME sh -c '...'`)",
      '`docker exec -it web cat /etc/hostname` asks for a terminal (-i/-t); the solution runs it without one',
      '`ping example.com` pings forever; the solution stops after 3 (-c 3)',
      '`docker exec web ping db` pings forever; the solution stops after 3 (-c 3)',
      '`vim notes.txt` opens an editor; dropped from the solution (write the file with a heredoc instead)',
      '`ssh admin@bastion.example.com` logs into another machine; dropped (a Dockhand sandbox is one machine, commands meant for it run locally)',
      '`docker logs -f web` follows output forever; dropped from the solution',
    ]);
  });

  test('a command the text says fails keeps running the script (|| true), flagged', () => {
    expect(solution(1)).toEqual(['docker rm web || true', 'docker rm -f web']);
    expect(todos(1)).toEqual(['`docker rm web` is meant to fail (the scenario says so); the solution ignores its exit code']);
  });

  test('package installs, downloads and tools the sandbox lacks are flagged, not removed; jq and Compose are in the sandbox', () => {
    expect(solution(2)).toEqual(['apt-get install -y tree', "docker inspect web | jq '.[0].State'", 'docker compose up -d', 'git clone https://github.com/example/app']);
    expect(todos(2)).toEqual([
      '`apt-get install -y tree` installs packages (apt); sandboxes have no internet by default',
      '`git clone https://github.com/example/app` clones a repository; sandboxes have no internet by default',
    ]);
    // the sandbox image has jq and Compose v2 (`docker compose` and `docker-compose`): nothing to flag
    expect(reviewEntry('docker-compose up -d && docker-compose ps | jq .', ctx).todos).toEqual([]);
    expect(reviewEntry('tree ~', ctx).todos).toEqual(['`tree ~`: tree is not installed in the sandbox']);
  });

  test('an image built in the scenario run in the foreground is flagged and the step gets a shorter solution timeout', () => {
    expect(solution(3)).toContain('docker run --name app myapp');
    expect(todos(3)).toContain('`docker run --name app myapp` runs an image built in the scenario in the foreground; it blocks if its command keeps running (add -d if so)');
    expect((lesson.manifest.steps as Record<string, unknown>[])[3]!.solutionTimeoutSeconds).toBe(120);
  });

  test('a command for the second host ({{execute HOST2}}) runs on node01 with ssh, an interrupt marker is harmless', () => {
    expect(solution(4)).toEqual(["ssh node01 'hostname'", 'docker ps']);
    expect(todos(4)).toEqual([]);
    const infos = lesson.notes.filter((n) => n.where === 'details.steps[4]' && n.severity === 'info').map((n) => n.message);
    expect(infos).toContain("`hostname` runs on HOST2: the solution runs it with `ssh node01 '...'` (node01 is a container of the sandbox's engine)");
  });

  test('rewrites touch only the options, never the command after the image; heredoc bodies are left alone', () => {
    expect(reviewEntry('docker run -it --rm alpine grep -it x /etc/hosts', ctx).entry).toBe('docker run --rm alpine grep -it x /etc/hosts');
    const heredoc = "cat > notes.txt <<'EOF'\nvim is an editor\nssh node01\nEOF";
    expect(reviewEntry(heredoc, ctx)).toMatchObject({ entry: heredoc, todos: [] });
    expect(reviewEntry('sudo ping -c 2 example.com', ctx).entry).toBe('sudo ping -c 2 example.com');
  });

  test('curl right after a server started in the same solution is retried; a one-shot --rm run is not flagged', () => {
    expect(reviewEntry('curl localhost:8080', { ...ctx, serverStarted: true }).entry).toBe('curl --retry 10 --retry-all-errors --retry-delay 1 localhost:8080');
    expect(reviewEntry('curl localhost:8080', ctx).entry).toBe('curl localhost:8080');
    expect(reviewEntry('docker run --rm myapp', { ...ctx, localImages: new Set(['myapp:latest']) })).toMatchObject({ todos: [], mayBlock: false });
  });
});
