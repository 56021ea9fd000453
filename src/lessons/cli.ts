import * as path from 'node:path';
import type Docker from 'dockerode';
import { createDockerClient } from '../sandbox/docker-client';
import { AppError } from '../errors';
import { createLogger } from '../logger';
import { testMachineProfile } from '../sandbox/engine-host';
import { ensureImages } from '../sandbox/images';
import { readConfig } from '../config';
import { SandboxManager } from '../sandbox/sandbox-manager';
import { ManagerLessonSandboxFactory } from './manager-lesson-sandbox';
import { importScenario, writeImportedLesson } from './killercoda-importer';
import { loadLesson, loadLessons } from './lesson-loader';
import { formatResultsTable, testLesson, type StepTestResult } from './lesson-test-runner';
import type { LessonSandboxFactory } from './lesson-sandbox';
import { formatProblem } from './types';
import { PROJECT_ROOT } from '../project-root';

const USAGE = `usage:
  lessons validate [lessons-dir]
  lessons test [lesson-id ...] [--dir lessons-dir]
  lessons import <scenario-folder> [--out lessons/<id>] [--id <id>] [--force]`;

const LESSONS_DIR = path.join(PROJECT_ROOT, 'lessons');

function parseArgs(argv: string[]): { positional: string[]; flags: Map<string, string | true> } {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined];
      if (v !== undefined) flags.set(k, v);
      else if (k === 'force') flags.set(k, true);
      else {
        const next = argv[i + 1];
        if (next === undefined || next.startsWith('--')) throw new AppError('CLI_USAGE', `--${k} needs a value\n${USAGE}`);
        flags.set(k, next);
        i++;
      }
    } else positional.push(a);
  }
  return { positional, flags };
}

async function validate(dir: string): Promise<number> {
  const { lessons, errors } = await loadLessons(dir);
  for (const l of lessons) console.log(`ok    ${l.kind === 'exercise' ? 'exercise ' : ''}${l.id} (${l.steps.length} step${l.steps.length === 1 ? '' : 's'}, ${l.minutes} min)`);
  for (const e of errors) console.log(`ERROR ${formatProblem(e)}`);
  console.log(`\n${lessons.length} valid, ${errors.length} problem${errors.length === 1 ? '' : 's'}`);
  return errors.length ? 1 : 0;
}

/**
 * The lesson tester runs in real sandboxes from the same SandboxManager learners get, its nested engines pulling
 * lesson images from the offline mirror; ensureImages builds both on first use. The CLI is an entry point (like
 * main.ts), so it may wire lessons to the sandbox package. SANDBOX_* variables apply as for the bot; the profile
 * defaults to `userns` when the engine remaps users, else `test-host-cgroup` (lesson tests usually run on test machines).
 */
async function cliConfig(docker: Docker) {
  return readConfig({ LOG_LEVEL: 'warn', ...process.env, SANDBOX_PROFILE: process.env.SANDBOX_PROFILE || (await testMachineProfile(docker)) });
}

async function sandboxManager(docker: Docker): Promise<SandboxManager> {
  const config = await cliConfig(docker);
  const log = createLogger({ level: config.logLevel, pretty: false });
  const t0 = Date.now();
  const images = await ensureImages({
    docker,
    log,
    onProgress: (line) => console.error(`images: ${line}`),
    ...(config.sandbox.registryMirror ? { registryMirror: config.sandbox.registryMirror } : {}),
  });
  console.error(`images ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (sandbox ${images.sandboxImage}, mirror ${images.mirrorUrl || 'none'}, profile ${config.sandbox.profile})`);
  const manager = new SandboxManager(docker, { ...config.sandbox, warmPool: 0 }, log, {
    image: images.sandboxImage,
    mirrorUrl: images.mirrorUrl,
    // Its own label: start() then sweeps only sandboxes left behind by an interrupted lesson test.
    instance: 'lesson-test',
    dockerHost: config.docker.host,
    dockerTls: config.docker.tls,
  });
  await manager.start({ isKnown: () => false });
  return manager;
}

async function test(ids: string[], dir: string): Promise<number> {
  const { lessons, errors } = await loadLessons(dir);
  for (const e of errors) console.error(`ERROR ${formatProblem(e)}`);
  const unknown = ids.filter((id) => !lessons.some((l) => l.id === id));
  if (unknown.length) {
    console.error(`unknown lesson${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (known: ${lessons.map((l) => l.id).join(', ')})`);
    return 1;
  }
  const selected = ids.length ? lessons.filter((l) => ids.includes(l.id)) : lessons;
  // The engine is read from the environment before the profile can be chosen (which asks that engine).
  const docker = createDockerClient(readConfig({ LOG_LEVEL: 'warn', ...process.env, SANDBOX_PROFILE: process.env.SANDBOX_PROFILE || 'test-host-cgroup' }).docker);
  await docker.ping().catch((err: unknown) => {
    throw new AppError('DOCKER_UNAVAILABLE', `cannot reach the Docker engine: ${(err as Error).message}`, { cause: err });
  });
  const manager = await sandboxManager(docker);
  const factory: LessonSandboxFactory = new ManagerLessonSandboxFactory(manager);
  const results: StepTestResult[] = [];
  // An interrupted run leaves its sandboxes behind; the next run's manager.start() sweeps them (same instance label).
  try {
    for (const lesson of selected) {
      const t0 = Date.now();
      const r = await testLesson(lesson, factory, {
        onResult: (x) => console.error(`  ${x.result} ${x.lessonId}/${x.stepId} ${x.seconds.toFixed(1)}s${x.detail ? ` ${x.detail}` : ''}`),
      });
      console.error(`${lesson.id}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      results.push(...r);
    }
  } finally {
    await manager.stop();
  }
  console.log(formatResultsTable(results));
  return errors.length || results.some((r) => r.result !== 'PASS') ? 1 : 0;
}

async function importCmd(folder: string | undefined, flags: Map<string, string | true>): Promise<number> {
  if (!folder) throw new AppError('CLI_USAGE', `import needs a scenario folder\n${USAGE}`);
  const id = typeof flags.get('id') === 'string' ? (flags.get('id') as string) : undefined;
  const imported = await importScenario(folder, id ? { id } : {});
  const out = typeof flags.get('out') === 'string' ? (flags.get('out') as string) : path.join(LESSONS_DIR, imported.id);
  const written = await writeImportedLesson(imported, out, { force: flags.get('force') === true });
  console.log(`imported ${imported.format} scenario "${imported.id}" into ${out} (${written.length} files)`);
  for (const n of imported.notes) console.log(`${n.severity === 'todo' ? 'TODO' : 'note'}  ${n.where}: ${n.message}`);
  const check = await loadLesson(out);
  if (check.lesson) console.log(`\nthe lesson validates (${check.lesson.steps.length} steps); test it with: npm run lessons:test -- ${check.lesson.id}`);
  else {
    console.log('\nthe lesson does not validate yet; fill in the TODOs:');
    for (const p of check.problems) console.log(`  ${formatProblem(p)}`);
  }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const { positional, flags } = parseArgs(rest);
  const dir = typeof flags.get('dir') === 'string' ? path.resolve(flags.get('dir') as string) : LESSONS_DIR;
  switch (cmd) {
    case 'validate':
      return validate(positional[0] ? path.resolve(positional[0]) : dir);
    case 'test':
      return test(positional, dir);
    case 'import':
      return importCmd(positional[0], flags);
    default:
      console.error(USAGE);
      return 2;
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
