import * as path from 'node:path';
import { loadLessons } from '../../src/lessons/lesson-loader';
import { LESSON_IMAGES } from '../../src/images/images';
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
      'running-containers': ['hello-world', 'run-a-command', 'help-flag', 'detached', 'logs', 'stop-start', 'ps-and-rm-flag', 'remove', 'pull-images', 'remove-image'],
      'ports-env-volumes': ['publish-port', 'publish-all', 'environment', 'bind-mount', 'live-files', 'named-volume', 'clean-up'],
      'first-dockerfile': ['write-app', 'build', 'run-app', 'publish-all', 'rebuild-cache', 'clean-up'],
      'dockerfile-instructions': ['entrypoint-cmd', 'copy-vs-add', 'separate-runs', 'chain-run', 'clean-up'],
      'tags-and-publishing': ['start-registry', 'build-image', 'tag', 'push', 'remove-local', 'pull-back', 'clean-up'],
      networks: ['network', 'store', 'dns', 'exec', 'web', 'clean-up'],
      'image-best-practices': ['dockerignore', 'dependencies-first', 'multi-stage', 'non-root', 'healthcheck', 'restart-policy', 'clean-up'],
      'docker-for-ml': ['data', 'train-script', 'image', 'pin-digest', 'train', 'parameters-and-gpus', 'user-flag', 'save-load'],
      compose: ['up', 'ps-logs', 'scale', 'clean-up'],
      'resources-and-observing': ['limits', 'out-of-memory', 'stats', 'events', 'clean-up'],
      'processes-and-signals': ['pid-one', 'init', 'shell-form', 'exec-form', 'interactive', 'follow-logs', 'clean-up'],
      'build-time-inputs': ['arg', 'target', 'secret', 'clean-up'],
      'compose-for-real-apps': ['build', 'healthy-deps', 'env-file', 'volume-survives', 'clean-up'],
      'column-total': ['tally'],
      'healthy-web': ['healthy'],
      'nginx-on-8080': ['serve'],
      'numbers-in-a-container': ['mean'],
      'ping-by-name': ['fetch'],
      'polite-shutdown': ['stop-politely'],
      'serve-your-page': ['serve-page'],
      'tiny-report': ['report'],
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

  test('the course has 8+ lessons and 6+ exercises', () => {
    expect(lessons.filter((l) => l.kind === 'lesson').length).toBeGreaterThanOrEqual(8);
    expect(lessons.filter((l) => l.kind === 'exercise').length).toBeGreaterThanOrEqual(6);
  });

  // lessons:test runs each wrong attempt and fails the step if its check accepts it (lesson-test-runner.ts).
  test('every step of every lesson and exercise has at least one wrong attempt for lessons:test to run', () => {
    const without = lessons.flatMap((l) => l.steps.filter((s) => !s.wrong?.length).map((s) => `${l.id}/${s.id}`));
    expect(without).toEqual([]);
  });

  // ...and each right alternative, failing the step if its check rejects it: a correct learner's other way.
  test('every step of every lesson and exercise has at least one right alternative for lessons:test to run', () => {
    const without = lessons.flatMap((l) => l.steps.filter((s) => !s.right?.length).map((s) => `${l.id}/${s.id}`));
    expect(without).toEqual([]);
  });

  test('lesson hints build up: at least three per step (the idea, the shape of the command, the command)', () => {
    const few = lessons.filter((l) => l.kind === 'lesson').flatMap((l) => l.steps.filter((s) => s.hints.length < 3).map((s) => `${l.id}/${s.id}`));
    expect(few).toEqual([]);
  });

  test('solutions wait on state, never with a bare sleep', () => {
    const sleeping = lessons.flatMap((l) => l.steps.filter((s) => s.solution.some((c) => /^\s*sleep\b/m.test(c))).map((s) => `${l.id}/${s.id}`));
    expect(sleeping).toEqual([]);
  });

  test('exercises carry a time estimate and a check', () => {
    const exercises = lessons.filter((l) => l.kind === 'exercise');
    expect(exercises.length).toBeGreaterThanOrEqual(6);
    for (const e of exercises) {
      expect(e.minutes).toBeGreaterThan(0);
      expect(e.steps.every((s) => s.check.trim().length > 0)).toBe(true);
    }
  });
});
