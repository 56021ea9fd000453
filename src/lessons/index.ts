/** The lessons layer's front door: code outside src/lessons imports only this file (lint holds it). */
export { runCheck } from './check-outcome';
export { LessonCatalog } from './lesson-catalog';
export type { LessonSandbox, LessonSandboxFactory, ScriptRunOptions } from './lesson-sandbox';
export { runSetup, usesSeed } from './step-scripts';
export { formatProblem, type Lesson, type LessonStep } from './types';
