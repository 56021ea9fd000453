import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppError } from '../../../src/errors';
import { convertMarkdown, importScenario, writeImportedLesson, type ImportNote } from '../../../src/lessons/import';
import { loadLesson } from '../../../src/lessons/lesson-loader';

// The importer through its folder's front (src/lessons/import/index.ts), as its callers use it.
const FIX = path.join(__dirname, '../../fixtures');
const notesText = (notes: ImportNote[]) => notes.map((n) => `${n.severity} ${n.where}: ${n.message}`);

describe('Killercoda import', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dockhand-import-'));
  });
  afterEach(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  test('maps text, verify and background; the intro background runs first in the first setup; run markers disappear', async () => {
    const imp = await importScenario(path.join(FIX, 'killercoda/docker-basics'));
    expect(imp.format).toBe('killercoda');
    expect(imp.id).toBe('docker-basics');
    const steps = imp.manifest.steps as Record<string, unknown>[];
    expect(steps.map((s) => s.id)).toEqual(['run-nginx', 'write-a-page', 'look-around']);
    expect(steps[0]).toMatchObject({ check: { file: 'steps/01-run-nginx-check.sh' }, setup: { file: 'steps/01-run-nginx-setup.sh' } });
    const setup = imp.files.get('steps/01-run-nginx-setup.sh')!;
    expect(setup.indexOf('mkdir -p /root/site')).toBeLessThan(setup.indexOf('docker pull nginx'));
    const body = imp.files.get('steps/01-run-nginx.md')!;
    expect(body).toContain('`docker run -d --name web -p 8080:80 nginx`\n');
    expect(body).toContain('```\ncurl localhost:8080\n```\n');
    expect(body).not.toMatch(/\{\{/);
    expect(imp.files.get('steps/02-write-a-page.md')).toContain('Open it in the browser: localhost:8080');
  });

  test('solutions come from the {{exec}} blocks; what is missing is reported, a check is never invented', async () => {
    const imp = await importScenario(path.join(FIX, 'killercoda/docker-basics'));
    const steps = imp.manifest.steps as Record<string, unknown>[];
    expect(steps.map((s) => s.solution)).toEqual([
      ['docker run -d --name web -p 8080:80 nginx', 'curl --retry 10 --retry-all-errors --retry-delay 1 localhost:8080'],
      ['echo hello > /root/site/index.html\ndocker cp /root/site/index.html web:/usr/share/nginx/html/'],
      ['docker ps', 'docker logs web'],
    ]);
    expect(steps[2]).not.toHaveProperty('check');
    expect(notesText(imp.notes)).toEqual(
      expect.arrayContaining([
        'info details.intro: foreground script "intro/foreground.sh" only waits or greets; not mapped',
        'todo details.steps[2]: "Look around" has no verify script: write a check (exit 0 when done, last line = message)',
      ]),
    );
  });

  test('the written lesson has a TODO comment and fails validation exactly where the author must fill in', async () => {
    const imp = await importScenario(path.join(FIX, 'killercoda/docker-basics'));
    const out = path.join(tmp, 'docker-basics');
    await writeImportedLesson(imp, out);
    const yaml = await fs.readFile(path.join(out, 'lesson.yaml'), 'utf8');
    expect(yaml).toContain('# TODO: add check (not in the scenario; nothing was invented)');
    const r = await loadLesson(out, { displayRoot: tmp });
    expect(r.problems.map((p) => `${p.field}: ${p.message.split(';')[0]}`)).toEqual(['steps[2].check: missing']);
    await expect(writeImportedLesson(imp, out)).rejects.toMatchObject({ code: 'IMPORT_EXISTS' });
  });

  test('broken JSON is a precise error with the line, not a crash', async () => {
    const err = await importScenario(path.join(FIX, 'killercoda/broken-json')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('IMPORT_BAD_JSON');
    expect((err as AppError).message).toMatch(/broken-json\/index\.json: invalid JSON \(line 5\): /);
  });

  test('a folder without index.json, or with no steps, is refused with a clear message', async () => {
    await expect(importScenario(tmp)).rejects.toMatchObject({ code: 'IMPORT_NO_INDEX' });
    await fs.writeFile(path.join(tmp, 'index.json'), '{"title": "x", "details": {"steps": []}}');
    await expect(importScenario(tmp)).rejects.toMatchObject({ code: 'IMPORT_BAD_INDEX', message: expect.stringContaining('details.steps: expected a non-empty array') });
  });
});

describe('legacy Katacoda import', () => {
  test('maps courseData to setups, answer to solution, difficulty and time; reports the foreground, assets and what was derived', async () => {
    const imp = await importScenario(path.join(FIX, 'katacoda/legacy-docker'));
    expect(imp.format).toBe('katacoda');
    expect(imp.manifest).toMatchObject({ title: 'Deploying your first container', level: 'beginner', minutes: 10 });
    const steps = imp.manifest.steps as Record<string, unknown>[];
    expect(steps[0]).toMatchObject({
      id: 'running-a-container',
      solution: ['docker run -d --name sleeper debian:bookworm-slim sleep 3600'],
      setup: { file: 'steps/01-running-a-container-setup.sh' },
    });
    const setup = imp.files.get('steps/01-running-a-container-setup.sh')!;
    expect(setup.indexOf('docker pull debian:bookworm-slim')).toBeLessThan(setup.indexOf('echo preparing'));
    expect(imp.files.get('steps/01-running-a-container.md')).toContain("```\ncat > app.conf <<'EOF'\nport = 8080\nname = <demo>\nEOF\n```");
    expect(imp.files.get('steps/02-listing-containers.md')).toBe('List it: `docker ps`\n');
    expect(steps[1]!.solution).toEqual(['docker ps']);
    expect(notesText(imp.notes)).toEqual(
      expect.arrayContaining([
        'todo details.assets: asset app.py not found under assets/; not copied',
        'info details.steps[0]: foreground script "step1-foreground.sh" only waits or greets; not mapped',
        'info details.steps[1]: solution (1 command) from the scenario\'s exec blocks',
      ]),
    );
  });
});

describe('convertMarkdown', () => {
  test('drops exec/copy/execute/open markers, keeps unknown placeholders and reports them', () => {
    const notes: ImportNote[] = [];
    const md = convertMarkdown('`ls`{{exec}} `a`{{copy}} `b`{{execute T2}} `f.txt`{{open}} `c`{{}} {{TRAFFIC_SELECTOR}}', 'here', notes);
    expect(md).toBe('`ls` `a` `b` `f.txt` `c` {{TRAFFIC_SELECTOR}}\n');
    expect(notes).toEqual([{ severity: 'todo', where: 'here', message: 'placeholder with no meaning in a sandbox, kept as text: {{TRAFFIC_SELECTOR}}' }]);
  });
});
