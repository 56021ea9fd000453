import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { AppError } from '../errors';
import type { LessonSandbox, LessonSandboxFactory, ScriptRun } from './lesson-sandbox';

export interface DockerLessonSandboxOptions {
  image: string;
  /** Passed to the sandbox entrypoint so the nested engine pulls lesson images offline. */
  registryMirror?: string;
  readyTimeoutMs?: number;
  memoryMb?: number;
  /** The DinD powers: `privileged` in production, the narrower cap set of ENVIRONMENT.md on test machines. */
  profile?: 'privileged' | 'test-host-cgroup';
}

export const LESSON_TEST_LABELS = { 'dockhand.app': 'dockhand', 'dockhand.role': 'lesson-test' } as const;
const DEFAULT_OUTPUT_CAP = 1024 * 1024;
/** How long past the in-container `timeout` we wait before abandoning the exec stream ourselves. */
const GRACE_MS = 5000;

/** Keeps at most `cap` bytes: the tail, where a check's verdict is. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    if (this.size > this.cap * 2) this.compact();
  }
  private compact(): void {
    const all = Buffer.concat(this.chunks);
    if (all.length > this.cap) {
      this.truncated = true;
      this.chunks = [all.subarray(all.length - this.cap)];
      this.size = this.cap;
    }
  }
  text(): string {
    this.compact();
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export function dindHostConfig(profile: DockerLessonSandboxOptions['profile'], memoryMb: number): Docker.HostConfig {
  const limits = { Memory: memoryMb * 1024 * 1024, PidsLimit: 2048, NanoCpus: 1_000_000_000 };
  if (profile === 'privileged') return { ...limits, Privileged: true, Tmpfs: { '/run': '', '/var/run': '' } };
  return {
    ...limits,
    CapAdd: ['ALL'],
    CapDrop: ['SYS_RESOURCE'],
    SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
    // The API form of the CLI's `--security-opt systempaths=unconfined`.
    MaskedPaths: [],
    ReadonlyPaths: [],
    Binds: ['/sys/fs/cgroup:/sys/fs/cgroup:rw'],
    DeviceCgroupRules: ['a *:* rwm'],
    Tmpfs: { '/run': '', '/var/run': '' },
  };
}

export class DockerLessonSandbox implements LessonSandbox {
  constructor(
    private readonly docker: Docker,
    readonly container: Docker.Container,
  ) {}

  async run(script: string, opts: { timeoutMs: number; outputCapBytes?: number }): Promise<ScriptRun> {
    const started = Date.now();
    const secs = Math.max(1, Math.ceil(opts.timeoutMs / 1000));
    // `timeout` signals its whole process group, so children of a hung check die with it.
    const exec = await this.container.exec({
      Cmd: ['timeout', '-k', '2', String(secs), 'bash', '-c', script],
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      WorkingDir: '/root',
      Env: ['HOME=/root', 'TERM=dumb'],
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const buf = new TailBuffer(opts.outputCapBytes ?? DEFAULT_OUTPUT_CAP);
    const sink = new PassThrough();
    sink.on('data', (b: Buffer) => buf.push(b));
    this.docker.modem.demuxStream(stream, sink, sink);

    let timer: NodeJS.Timeout | undefined;
    const abandoned = await new Promise<boolean>((resolve) => {
      const done = () => resolve(false);
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', done);
      timer = setTimeout(() => resolve(true), secs * 1000 + GRACE_MS);
    }).finally(() => {
      clearTimeout(timer);
      stream.removeAllListeners('end');
      stream.removeAllListeners('close');
      sink.end();
    });
    if (abandoned) stream.destroy();

    let exitCode: number | null = null;
    if (!abandoned) {
      const info = await exec.inspect();
      exitCode = info.ExitCode ?? null;
    }
    const durationMs = Date.now() - started;
    // 124: timeout's TERM worked; 137: it needed the KILL.
    const timedOut = abandoned || ((exitCode === 124 || exitCode === 137) && durationMs >= secs * 1000 - 250);
    return { exitCode: timedOut ? null : exitCode, output: buf.text(), timedOut, truncated: buf.truncated, durationMs };
  }

  async dispose(): Promise<void> {
    await this.container.remove({ force: true, v: true }).catch((err: { statusCode?: number }) => {
      if (err.statusCode !== 404) throw err;
    });
  }
}

/** Runs each lesson test in its own Docker-in-Docker container made from the sandbox image. */
export class DockerLessonSandboxFactory implements LessonSandboxFactory {
  constructor(
    private readonly docker: Docker,
    private readonly opts: DockerLessonSandboxOptions,
  ) {}

  async create(name: string): Promise<LessonSandbox> {
    const safe = name.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').slice(0, 40);
    const container = await this.docker.createContainer({
      Image: this.opts.image,
      name: `dockhand-${safe}-${randomBytes(3).toString('hex')}`,
      Labels: { ...LESSON_TEST_LABELS, 'dockhand.lesson-test': safe },
      Env: this.opts.registryMirror ? [`DOCKHAND_REGISTRY_MIRROR=${this.opts.registryMirror}`] : [],
      HostConfig: dindHostConfig(this.opts.profile ?? 'test-host-cgroup', this.opts.memoryMb ?? 1536),
    });
    const sandbox = new DockerLessonSandbox(this.docker, container);
    try {
      await container.start();
      await this.waitReady(sandbox, container);
      return sandbox;
    } catch (err) {
      // A sandbox that never became ready is removed before the error goes up.
      await sandbox.dispose().catch(() => undefined);
      throw err;
    }
  }

  private async waitReady(sandbox: DockerLessonSandbox, container: Docker.Container): Promise<void> {
    const deadline = Date.now() + (this.opts.readyTimeoutMs ?? 60_000);
    while (Date.now() < deadline) {
      const state = (await container.inspect()).State;
      if (!state.Running) throw new AppError('LESSON_SANDBOX_DIED', `sandbox container exited (code ${state.ExitCode}) before its engine was ready`);
      const r = await sandbox.run('test -f /run/dockhand/ready && docker info >/dev/null 2>&1', { timeoutMs: 5000 });
      if (r.exitCode === 0) return;
      await new Promise((res) => setTimeout(res, 300));
    }
    throw new AppError('LESSON_SANDBOX_NOT_READY', `the nested Docker engine did not answer within ${(this.opts.readyTimeoutMs ?? 60_000) / 1000} s`);
  }
}
