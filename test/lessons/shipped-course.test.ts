import * as path from 'node:path';
import { loadLessons } from '../../src/lessons/lesson-loader';
import { LESSON_IMAGES } from '../../src/sandbox/images';
import type { Lesson } from '../../src/lessons/types';

const LESSONS = path.join(__dirname, '../../lessons');

describe('the shipped course', () => {
  let lessons: Lesson[];
  beforeAll(async () => {
    const r = await loadLessons(LESSONS);
    expect(r.errors).toEqual([]);
    lessons = r.lessons;
  });

  // Learners' progress is stored by lesson and step id: renaming one loses it. Change this list deliberately.
  test('lesson and step ids are the published, stable ones', () => {
    const ids = Object.fromEntries(lessons.map((l) => [l.id, l.steps.map((s) => s.id)]));
    expect(ids).toEqual({
      'running-containers': ['hello-world', 'run-a-command', 'ps-and-rm-flag', 'detached', 'logs', 'stop-start', 'remove', 'pull-images', 'remove-image'],
      'ports-env-volumes': ['publish-port', 'publish-all', 'environment', 'bind-mount', 'live-files', 'named-volume'],
      'first-dockerfile': ['write-app', 'write-dockerfile', 'build', 'run-app', 'rebuild-cache'],
      'tags-and-publishing': ['start-registry', 'build-image', 'tag', 'push', 'remove-local', 'pull-back'],
      'docker-for-ml': ['data', 'train-script', 'image', 'train', 'parameters-and-gpus'],
      'nginx-on-8080': ['serve'],
      'numbers-in-a-container': ['mean'],
      'serve-your-page': ['serve-page'],
    });
  });

  test('every image a lesson lists is served by the offline mirror', () => {
    const served = new Set(LESSON_IMAGES.flatMap((i) => i.names));
    const missing = lessons.flatMap((l) => l.images.filter((i) => !served.has(i)).map((i) => `${l.id}: ${i}`));
    expect(missing).toEqual([]);
  });

  test('step texts are short enough for a chat message and every step has a hint', () => {
    for (const l of lessons) {
      for (const s of l.steps) {
        expect({ step: `${l.id}/${s.id}`, long: s.body.length > 1500 }).toEqual({ step: `${l.id}/${s.id}`, long: false });
        expect({ step: `${l.id}/${s.id}`, hints: s.hints.length > 0 }).toEqual({ step: `${l.id}/${s.id}`, hints: true });
      }
    }
  });

  test('exercises carry a time estimate and a check', () => {
    const exercises = lessons.filter((l) => l.kind === 'exercise');
    expect(exercises.length).toBeGreaterThanOrEqual(3);
    for (const e of exercises) {
      expect(e.minutes).toBeGreaterThan(0);
      expect(e.steps.every((s) => s.check.trim().length > 0)).toBe(true);
    }
  });
});
