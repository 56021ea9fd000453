import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findCourseFile, importCourse } from '../../../src/lessons/import/import-course';
import { slugId } from '../../../src/lessons/import/scenario-index';

const FIX = path.join(__dirname, '../../fixtures');

describe('courses: every scenario a course lists, in order, each requiring the one before', () => {
  test('a Killercoda structure.json (with a nested one) imports in the listed order; a missing item is reported', async () => {
    const file = await findCourseFile(path.join(FIX, 'killercoda/course'));
    expect(file).toEqual({ kind: 'structure', file: path.join(FIX, 'killercoda/course/structure.json') });
    const c = await importCourse(file!);
    expect(c.title).toBe('Docker from zero');
    expect(c.lessons.map((l) => [l.id, l.manifest.title, l.manifest.prerequisites])).toEqual([
      ['running-your-very-first-container', '1. First steps', undefined],
      ['volumes-and-data-that-outlive-containers', 'Volumes and data that outlive containers', ['running-your-very-first-container']],
      ['networks-explained', 'Networks explained', ['volumes-and-data-that-outlive-containers']],
    ]);
    expect(c.notes).toEqual([{ severity: 'todo', where: 'structure.json items[2]', message: '"not-written-yet" has no index.json (not in the course folder); skipped' }]);
    // lesson.yaml keeps its usual key order: prerequisites right before the steps
    expect(Object.keys(c.lessons[1]!.manifest).slice(-2)).toEqual(['prerequisites', 'steps']);
  });

  test('a Katacoda pathway finds its courses in the folder named after it; a missing course is reported', async () => {
    const file = await findCourseFile(path.join(FIX, 'katacoda/pathway'));
    expect(file).toEqual({ kind: 'pathway', file: path.join(FIX, 'katacoda/pathway/containers-pathway.json') });
    const c = await importCourse(file!);
    expect(c.title).toBe('Containers');
    expect(c.lessons.map((l) => [l.id, l.manifest.title, l.manifest.prerequisites])).toEqual([
      ['course-run-basics', 'Run containers', undefined],
      ['course-image-basics', 'Work with images', ['course-run-basics']],
    ]);
    expect(c.notes.map((n) => n.message)).toEqual(['scenario "gone-course" not found (looked in containers/gone-course, gone-course); skipped']);
  });

  test('a scenario folder is not a course; a folder with two pathways asks which one', async () => {
    await expect(findCourseFile(path.join(FIX, 'killercoda/web-bind-mount'))).resolves.toBeUndefined();
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dockhand-pathways-'));
    try {
      await fs.writeFile(path.join(tmp, 'a-pathway.json'), '{"courses": []}');
      await fs.writeFile(path.join(tmp, 'b-pathway.json'), '{"courses": []}');
      await expect(findCourseFile(tmp)).rejects.toMatchObject({ code: 'CLI_USAGE', message: expect.stringContaining('has several pathways (a-pathway.json, b-pathway.json)') });
      await expect(importCourse({ kind: 'pathway', file: path.join(tmp, 'a-pathway.json') })).rejects.toMatchObject({ code: 'IMPORT_BAD_INDEX' });
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });

  test('ids are cut at a word boundary, never mid-word', () => {
    expect(slugId('Deploying your first Docker container to a production-like environment, step by step')).toBe('deploying-your-first-docker-container-to-a');
    expect(slugId('Stage-01 | Dateien, Verzeichnisse und Prozesse')).toBe('stage-01-dateien-verzeichnisse-und-prozesse');
    expect(slugId('Ünïcödé Çontainers')).toBe('unicode-containers');
    expect(slugId('x'.repeat(60))).toBe('x'.repeat(48));
  });
});
