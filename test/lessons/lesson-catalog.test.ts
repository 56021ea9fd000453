import * as path from 'node:path';
import { LessonCatalog } from '../../src/lessons/lesson-catalog';

const LESSONS = path.join(__dirname, '../../lessons');

describe('LessonCatalog over the shipped course', () => {
  let catalog: LessonCatalog;
  beforeAll(async () => {
    const loaded = await LessonCatalog.load(LESSONS);
    expect(loaded.errors).toEqual([]);
    catalog = loaded.catalog;
  });

  test('list() gives lessons in course order, then exercises', () => {
    const all = catalog.list();
    expect(all.slice(0, 13).map((l) => l.id)).toEqual([
      'running-containers',
      'ports-env-volumes',
      'first-dockerfile',
      'dockerfile-instructions',
      'tags-and-publishing',
      'networks',
      'image-best-practices',
      'docker-for-ml',
      'compose',
      'resources-and-observing',
      'processes-and-signals',
      'build-time-inputs',
      'compose-for-real-apps',
    ]);
    expect(all.slice(13).every((l) => l.kind === 'exercise')).toBe(true);
    expect(catalog.list('exercise').map((l) => l.id)).toContain('nginx-on-8080');
  });

  test('get, step, firstStep and nextStep walk a lesson', () => {
    expect(catalog.get('first-dockerfile')?.title).toBe('Your first Dockerfile');
    expect(catalog.get('nope')).toBeUndefined();
    expect(catalog.firstStep('first-dockerfile')?.id).toBe('write-app');
    expect(catalog.step('first-dockerfile', 'build')?.index).toBe(1);
    expect(catalog.nextStep('first-dockerfile', 'build')?.id).toBe('run-app');
    expect(catalog.nextStep('first-dockerfile', 'rebuild-cache')?.id).toBe('clean-up');
    expect(catalog.nextStep('first-dockerfile', 'clean-up')).toBeUndefined();
    expect(catalog.step('first-dockerfile', 'nope')).toBeUndefined();
  });

  test('missingPrerequisites lists what is not completed yet', () => {
    expect(catalog.missingPrerequisites('first-dockerfile', new Set())).toEqual(['ports-env-volumes']);
    expect(catalog.missingPrerequisites('first-dockerfile', new Set(['ports-env-volumes']))).toEqual([]);
  });
});
