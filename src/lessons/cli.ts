import { hintProblems } from './hint-rules';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { AppError } from '../errors';
import { createLogger } from '../logger';
import { ensureImages } from '../images';
import { readConfig } from '../config';
import { createDockerClient, createSandboxService, runOnEngineHost, type SandboxManager } from '../sandbox';
import { ManagerLessonSandboxFactory } from './manager-lesson-sandbox';
import { runImport } from './import/import-cli';
import { loadLesson, loadLessons, MANIFEST_FILE, type LoadLessonsResult } from './lesson-loader';
import { formatResultsTable, lessonTestProfile, testCourse, testLessons, type StepTestResult } from './lesson-test-runner';
import type { LessonSandboxFactory } from './lesson-sandbox';
import { formatProblem, type Lesson } from './types';
import { PROJECT_ROOT } from '../project-root';
import { isCliCommand, parseCliArgs } from './cli-args';

const USAGE = `usage:
  lessons --help
  lessons validate [--dir <folder>] [lesson-id ...]     (or: validate <folder>)
  lessons test [--dir <folder>] [--one-sandbox | --concurrency <n>] [--main-path] [--unsafe-host-profile] [lesson-id ...]
      --main-path: each step's setup, check, solution and check only (no wrong attempts or right alternatives)
      --concurrency: lessons tested at a time, each in its own sandbox (default LESSONS_TEST_CONCURRENCY or 1)
      --unsafe-host-profile: run on an engine without user namespaces, lesson code as root on it (test machines only)
  lessons import <scenario-folder | structure.json | *-pathway.json> [--dir lessons] [--out <lesson-folder>] [--id <id>] [--force]
<folder> holds lesson folders, or is one lesson folder (with lesson.yaml).`;

const LESSONS_DIR = path.join(PROJECT_ROOT, 'lessons');

/** A lessons folder, or a single lesson folder (how an author checks an import before adding it to lessons/). */
async function loadFolder(dir: string): Promise<LoadLessonsResult> {
  if (!(await fs.stat(path.join(dir, MANIFEST_FILE)).then(() => true, () => false))) return loadLessons(dir);
  const one = await loadLesson(dir, { displayRoot: path.dirname(dir) });
  return { lessons: one.lesson ? [one.lesson] : [], errors: one.problems };
}

/** Keeps the lessons named by `ids` (all when none); unknown ids are an error that lists the known ones. */
function select(all: LoadLessonsResult, ids: string[]): { lessons: Lesson[]; unknown?: string } {
  const unknown = ids.filter((id) => !all.lessons.some((l) => l.id === id));
  if (unknown.length) return { lessons: [], unknown: `unknown lesson${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (known: ${all.lessons.map((l) => l.id).join(', ')})` };
  return { lessons: ids.length ? all.lessons.filter((l) => ids.includes(l.id)) : all.lessons };
}

/** A problem of one of the named lessons: found by folder name, which an import names NN-<id>. */
const mine = (file: string, id: string) => file.split(/[\\/]/).some((part) => part === id || part.endsWith(`-${id}`));

/** With ids, only their problems count: a broken neighbour does not fail the lesson being checked. */
const errorsFor = (loaded: LoadLessonsResult, ids: string[]) => (ids.length ? loaded.errors.filter((e) => ids.some((id) => mine(e.file, id))) : loaded.errors);

async function validate(dir: string, ids: string[]): Promise<number> {
  const loaded = await loadFolder(dir);
  const lessons = ids.length ? loaded.lessons.filter((l) => ids.includes(l.id)) : loaded.lessons;
  const errors = [...errorsFor(loaded, ids), ...lessons.flatMap((l) => hintProblems(l))];
  const unknown = ids.filter((id) => !lessons.some((l) => l.id === id) && !errors.some((e) => mine(e.file, id)));
  if (unknown.length) {
    console.error(select(loaded, unknown).unknown);
    return 1;
  }
  for (const l of lessons) console.log(`ok    ${l.kind === 'exercise' ? 'exercise ' : ''}${l.id} (${l.steps.length} step${l.steps.length === 1 ? '' : 's'}, ${l.minutes} min)`);
  for (const e of errors) console.log(`ERROR ${formatProblem(e)}`);
  console.log(`\n${lessons.length} valid, ${errors.length} problem${errors.length === 1 ? '' : 's'}`);
  return errors.length ? 1 : 0;
}

/**
 * The lesson tester runs in real sandboxes from the same SandboxManager learners get, its nested engines pulling
 * lesson images from the offline mirror; ensureImages builds both on first use. The CLI is an entry point (like
 * main.ts), so it may wire lessons to the sandbox package. SANDBOX_* variables apply as for the bot; the profile
 * is lessonTestProfile's choice (a host profile only with --unsafe-host-profile).
 */
function cliConfig(choice: { profile: string; env: Record<string, string> }) {
  return readConfig({ LOG_LEVEL: 'warn', ...process.env, SANDBOX_PROFILE: choice.profile, ...choice.env });
}

async function sandboxManager(docker: Docker, choice: { profile: string; env: Record<string, string> }): Promise<SandboxManager> {
  const config = cliConfig(choice);
  const log = createLogger({ level: config.logLevel, pretty: false });
  const t0 = Date.now();
  const images = await ensureImages({
    docker,
    log,
    onProgress: (line) => console.error(`images: ${line}`),
    dockerHost: config.docker.host,
    runOnEngineHost,
    mirrorUpstream: config.sandbox.mirrorUpstream,
    ...(config.sandbox.registryMirror ? { registryMirror: config.sandbox.registryMirror } : {}),
  });
  console.error(`images ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (sandbox ${images.sandboxImage}, mirror ${images.mirrorUrl || 'none'}, profile ${config.sandbox.profile})`);
  const runConfig = { ...config, sandbox: { ...config.sandbox, warmPool: 0 } };
  // One label per run, so two runs at once (two authors, CI and an author) never sweep each other's sandboxes;
  // what a killed run left behind (its process is gone) is removed here.
  for (const instance of await deadRuns(docker)) await createSandboxService(runConfig, images, { docker, logger: log, instance }).destroyAll().catch(() => undefined);
  const manager = createSandboxService(runConfig, images, { docker, logger: log, instance: `${RUN_PREFIX}${process.pid}` });
  await manager.start({ isKnown: () => false });
  return manager;
}

const RUN_PREFIX = 'lesson-test-';

/** Instance labels of earlier lessons:test runs on this machine whose process has ended. */
async function deadRuns(docker: Docker): Promise<string[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: ['dockhand.app=dockhand', 'dockhand.instance'] } });
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  };
  const runs = new Set(containers.map((c) => c.Labels?.['dockhand.instance'] ?? '').filter((i) => new RegExp(`^${RUN_PREFIX}\\d+$`).test(i)));
  return [...runs].filter((i) => !alive(Number(i.slice(RUN_PREFIX.length))));
}

/** What the CLI asks the engine, injectable: a test cannot start a second engine without --userns-remap. */
export interface CliDeps {
  engineSecurityOptions?: (docker: Docker) => Promise<string[]>;
}

const securityOptionsOf = async (docker: Docker) => ((await docker.info()) as { SecurityOptions?: string[] }).SecurityOptions ?? [];

async function test(ids: string[], dir: string, o: { oneSandbox: boolean; concurrency: number; mainPath: boolean; unsafeHostProfile: boolean; deps: CliDeps }): Promise<number> {
  const { oneSandbox, concurrency, mainPath } = o;
  const loaded = await loadFolder(dir);
  const errors = errorsFor(loaded, ids);
  for (const e of errors) console.error(`ERROR ${formatProblem(e)}`);
  const { lessons: selected, unknown } = select(loaded, ids);
  if (unknown) {
    console.error(unknown);
    return 1;
  }
  // The engine is read from the environment before the profile can be chosen (which asks that engine).
  const docker = createDockerClient(readConfig({ LOG_LEVEL: 'warn', ...process.env, SANDBOX_PROFILE: 'userns' }).docker);
  await docker.ping().catch((err: unknown) => {
    throw new AppError('DOCKER_UNAVAILABLE', `cannot reach the Docker engine: ${(err as Error).message}`, { cause: err });
  });
  const engineSecurityOptions = await (o.deps.engineSecurityOptions ?? securityOptionsOf)(docker);
  const choice = lessonTestProfile({ requested: process.env.SANDBOX_PROFILE, engineSecurityOptions, unsafeHostProfile: o.unsafeHostProfile });
  if ('refusal' in choice) {
    console.error(choice.refusal);
    return 1;
  }
  if (o.unsafeHostProfile && !['userns', 'sysbox'].includes(choice.profile)) console.error(`lessons:test: --unsafe-host-profile: lesson code runs as root on the engine's machine (${choice.profile})`);
  const manager = await sandboxManager(docker, choice);
  const factory: LessonSandboxFactory = new ManagerLessonSandboxFactory(manager);
  const results: StepTestResult[] = [];
  const onResult = (x: StepTestResult) => {
    console.error(`  ${x.result} ${x.lessonId}/${x.stepId} ${x.seconds.toFixed(1)}s${x.detail ? ` ${x.detail}` : ''}`);
    if (x.output) console.error(indentOutput(x.output));
  };
  const mode = oneSandbox
    ? `one sandbox for the whole course, as a learner takes it: ${courseOrder(selected)}`
    : `a fresh sandbox per lesson${concurrency > 1 ? `, ${concurrency} lessons at a time` : ''}`;
  console.error(`lessons:test: ${mode}${mainPath ? '; the main path only (--main-path)' : ''}`);
  // An interrupted run leaves its sandboxes behind; the next run's manager.start() sweeps them (same instance label).
  try {
    if (oneSandbox) {
      results.push(...(await testCourse(selected, factory, { mainPath, onResult, onLesson: (l, s) => console.error(`${l.id}: ${s.toFixed(1)} s (same sandbox)`) })));
    } else {
      // with more than one lesson at a time, a lesson's lines come together when it ends (never interleaved)
      const onLesson = (l: Lesson, s: number) => console.error(`${l.id}: ${s.toFixed(1)} s`);
      results.push(...(await testLessons(selected, factory, { concurrency, mainPath, onResult, onLesson })));
    }
  } finally {
    await manager.destroyAll();
  }
  console.log(`mode: ${mode}\n${formatResultsTable(results, { mainPath })}`);
  return errors.length || results.some((r) => r.result !== 'PASS') ? 1 : 0;
}

/** `--one-sandbox`: the lessons (course order) then the exercises, in one line. */
function courseOrder(lessons: Lesson[]): string {
  const lessonIds = lessons.filter((l) => l.kind === 'lesson').map((l) => l.id);
  const exerciseIds = lessons.filter((l) => l.kind === 'exercise').map((l) => l.id);
  return `${lessonIds.length} lesson${lessonIds.length === 1 ? '' : 's'} (${lessonIds.join(', ') || 'none'}), then ${exerciseIds.length} exercise${exerciseIds.length === 1 ? '' : 's'} (${exerciseIds.join(', ') || 'none'}), in order`;
}

/** Everything a failing setup, solution or check printed, indented under its result line. */
export function indentOutput(output: string): string {
  const lines = output.replace(/\s+$/, '').split('\n');
  return lines.map((l) => `      | ${l}`).join('\n');
}

/** `--concurrency` / LESSONS_TEST_CONCURRENCY: a whole number from 1 (anything else is a usage error, exit code 2). */
function concurrencyOf(value: string | undefined): number | { refusal: string } {
  if (value === undefined || value === '') return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) return { refusal: `lessons test: --concurrency needs a whole number from 1, got "${value}"` };
  return n;
}

export async function main(argv: string[], deps: CliDeps = {}): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (!isCliCommand(cmd)) {
    console.error(`${cmd === undefined ? 'lessons: no command given' : `lessons: unknown command "${cmd}"`}\n${USAGE}`);
    return 2;
  }
  const parsed = parseCliArgs(cmd, rest);
  if ('refusal' in parsed) {
    console.error(`${parsed.refusal}\n${USAGE}`);
    return 2;
  }
  const { positional, flags } = parsed;
  const dir = flags.dir ? path.resolve(flags.dir) : LESSONS_DIR;
  switch (cmd) {
    case 'validate': {
      // the first form: `validate <folder>` (a folder, not a lesson id)
      const legacy = !flags.dir && positional.length === 1 && (await fs.stat(positional[0]!).then((s) => s.isDirectory(), () => false));
      return legacy ? validate(path.resolve(positional[0]!), []) : validate(dir, positional);
    }
    case 'test': {
      const concurrency = concurrencyOf(flags.concurrency ?? process.env.LESSONS_TEST_CONCURRENCY);
      if (typeof concurrency !== 'number') {
        console.error(`${concurrency.refusal}\n${USAGE}`);
        return 2;
      }
      return test(positional, dir, {
        oneSandbox: flags['one-sandbox'] === true,
        concurrency,
        mainPath: flags['main-path'] === true,
        unsafeHostProfile: flags['unsafe-host-profile'] === true,
        deps,
      });
    }
    case 'import': {
      const { out, id } = flags;
      return runImport(positional[0], { lessonsDir: dir, ...(out ? { out } : {}), ...(id ? { id } : {}), force: flags.force === true, print: (l) => console.log(l) });
    }
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err instanceof AppError ? `${err.code}: ${err.message}` : err);
      process.exitCode = 1;
    },
  );
}
