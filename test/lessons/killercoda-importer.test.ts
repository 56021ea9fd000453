import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppError } from '../../src/errors';
import { convertMarkdown, importScenario, writeImportedLesson, type ImportNote } from '../../src/lessons/killercoda-importer';
import { loadLesson } from '../../src/lessons/lesson-loader';

const FIX = path.join(__dirname, '../fixtures');
const notesText = (notes: ImportNote[]) => notes.map((n) => `${n.severity} ${n.where}: ${n.message}`);

describe('Killercoda import', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dockhand-import-'));
  });
  afterEach(async () => {
    await fs.rm(tmp, { recursive: true, force: true });
  });

  test('maps text, verify and background; intro background joins the first setup; annotations become plain code', async () => {
    const imp = await importScenario(path.join(FIX, 'killercoda/docker-basics'));
    expect(imp.format).toBe('killercoda');
    expect(imp.id).toBe('docker-basics');
    const steps = imp.manifest.steps as Record<string, unknown>[];
    expect(steps.map((s) => s.id)).toEqual(['run-nginx', 'write-a-page', 'look-around']);
    expect(steps[0]).toMatchObject({ check: { file: 'steps/01-run-nginx-check.sh' }, setup: { file: 'steps/01-run-nginx-setup.sh' } });
    expect(imp.files.get('steps/01-run-nginx-setup.sh')).toBe('#!/bin/bash\nmkdir -p /root/site\n\n#!/bin/bash\ndocker pull nginx\n');
    const body = imp.files.get('steps/01-run-nginx.md')!;
    expect(body).toContain('`docker run -d --name web -p 8080:80 nginx`\n');
    expect(body).toContain('```\ncurl localhost:8080\n```\n');
    expect(body).not.toMatch(/\{\{/);
    expect(imp.files.get('steps/02-write-a-page.md')).not.toContain('{{exec interrupt}}');
  });

  test('reports what it could not map, and never invents a solution or a check', async () => {
    const imp = await importScenario(path.join(FIX, 'killercoda/docker-basics'));
    const steps = imp.manifest.steps as Record<string, unknown>[];
    expect(steps.some((s) => 'solution' in s)).toBe(false);
    expect(steps[2]).not.toHaveProperty('check');
    expect(notesText(imp.notes)).toEqual(
      expect.arrayContaining([
        'todo details.intro: foreground script "intro/foreground.sh" not mapped (it ran visibly in the learner\'s terminal)',
        'todo details.steps[0]: "Run nginx" has no solution in the scenario: write solution (the commands that complete the step)',
        'todo details.steps[1]: annotation not understood, kept as text: {{TRAFFIC_HOST1_8080}}',
        'todo details.steps[2]: "Look around" has no verify script: write a check (exit 0 when done, last line = message)',
      ]),
    );
  });

  test('the written lesson has TODO comments and fails validation exactly where the author must fill in', async () => {
    const imp = await importScenario(path.join(FIX, 'killercoda/docker-basics'));
    const out = path.join(tmp, 'docker-basics');
    await writeImportedLesson(imp, out);
    const yaml = await fs.readFile(path.join(out, 'lesson.yaml'), 'utf8');
    expect(yaml).toContain('# TODO: add check and solution (not in the scenario; nothing was invented)');
    const r = await loadLesson(out, { displayRoot: tmp });
    expect(r.problems.map((p) => `${p.field}: ${p.message.split(';')[0]}`)).toEqual([
      'steps[0].solution: missing',
      'steps[1].solution: missing',
      'steps[2].check: missing',
      'steps[2].solution: missing',
    ]);
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
  test('maps courseData to setup, answer to solution, difficulty and time; reports code, assets and missing answers', async () => {
    const imp = await importScenario(path.join(FIX, 'katacoda/legacy-docker'));
    expect(imp.format).toBe('katacoda');
    expect(imp.manifest).toMatchObject({ title: 'Deploying your first container', level: 'beginner', minutes: 10 });
    const steps = imp.manifest.steps as Record<string, unknown>[];
    expect(steps[0]).toMatchObject({
      id: 'running-a-container',
      solution: ['docker run -d --name sleeper debian:bookworm-slim sleep 3600'],
      setup: { file: 'steps/01-running-a-container-setup.sh' },
    });
    expect(imp.files.get('steps/01-running-a-container-setup.sh')).toBe('docker pull debian:bookworm-slim\n\necho preparing\n');
    expect(imp.files.get('steps/01-running-a-container.md')).toContain("```\ncat > app.conf <<'EOF'\nport = 8080\nname = <demo>\nEOF\n```");
    expect(imp.files.get('steps/02-listing-containers.md')).toBe('List it: `docker ps`\n');
    expect(notesText(imp.notes)).toEqual(
      expect.arrayContaining([
        'todo details.assets: assets are not copied into the sandbox; add them to a setup script',
        'todo details.steps[0]: foreground script "step1-foreground.sh" not mapped (it ran visibly in the learner\'s terminal)',
        'todo details.steps[1]: "Step 2 - Listing containers" has no solution in the scenario: write solution (the commands that complete the step)',
      ]),
    );
  });
});

describe('convertMarkdown', () => {
  test('drops exec/copy/execute/open annotations, keeps unknown ones and reports them', () => {
    const notes: ImportNote[] = [];
    const md = convertMarkdown('`ls`{{exec}} `a`{{copy}} `b`{{execute T2}} `f.txt`{{open}} `c`{{}} {{TRAFFIC_SELECTOR}}', 'here', notes);
    expect(md).toBe('`ls` `a` `b` `f.txt` `c` {{TRAFFIC_SELECTOR}}\n');
    expect(notes).toEqual([{ severity: 'todo', where: 'here', message: 'annotation not understood, kept as text: {{TRAFFIC_SELECTOR}}' }]);
  });
});
