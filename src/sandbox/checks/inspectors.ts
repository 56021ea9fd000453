import { randomInt } from 'node:crypto';
import type Docker from 'dockerode';
import { AppError } from '../../errors';
import type { Logger } from '../../logger';
import { ensureInspectorImage, forgetInspectorImage } from '../../images';
import { checkCommand, DATA_ROOT, INSPECTOR_ROLE, inspectorSpec, LABEL_OWNER, sandboxFacts, storeSeedScript, withSeed } from './inspector-spec';
import { ENGINE_SOCKET_DIR } from './engine-socket';
import { assertEngineSocketLocked, linkInspectorToSandbox } from './inspector-setup';
import { execInContainer } from './script-exec';
import type { EngineHostShell } from '../engine/engine-host';
import type { ScriptResult } from '../types';

export interface InspectorsOptions {
  docker: Docker;
  logger: Logger;
  /** The sandbox image; the inspector image is built FROM it. */
  sandboxImage: string;
  /** Labels of an inspector: the sandbox layer's own (app, instance, learner, created, role). */
  labels(learnerKey: string, role: string, createdAt: number): Record<string, string>;
  instance: string;
  /** Root's shell on the engine host (local: the inspector is linked without a helper container). */
  host?: () => Promise<EngineHostShell | undefined>;
}

export interface CheckRunOptions {
  timeoutMs: number;
  outputCapBytes: number;
  /** Name of a seed stored by newSeed(): the check sees it as DOCKHAND_SEED. */
  seed?: string;
}

const statusOf = (err: unknown) => (err as { statusCode?: number }).statusCode;

/**
 * The check inspectors of one instance: created at a sandbox's first check (or seed), found again after a
 * restart by their owner label, removed with their sandbox. See inspector-spec.ts for what one is.
 */
export class Inspectors {
  private readonly known = new Map<string, Promise<string>>();

  constructor(private readonly o: InspectorsOptions) {}

  /** Builds the inspector image now, so the first check does not wait for it. */
  warmImage(): Promise<string> {
    return ensureInspectorImage(this.o.docker, this.o.sandboxImage);
  }

  /** The running inspector of a sandbox, created (or adopted) on first use. */
  ensure(sandboxId: string, learnerKey: string): Promise<string> {
    let p = this.known.get(sandboxId);
    if (!p) {
      p = this.findOrCreate(sandboxId, learnerKey).catch((err: unknown) => {
        this.known.delete(sandboxId);
        throw err;
      });
      this.known.set(sandboxId, p);
    }
    return p;
  }

  /** Runs a check script in the sandbox's inspector; a dead inspector is replaced once. */
  async run(sandboxId: string, learnerKey: string, script: string, opts: CheckRunOptions): Promise<ScriptResult> {
    const cmd = checkCommand(withSeed(script, opts.seed), opts.timeoutMs);
    for (let attempt = 0; ; attempt++) {
      const id = await this.ensure(sandboxId, learnerKey);
      try {
        return await execInContainer(this.o.docker, id, cmd, opts);
      } catch (err) {
        // 404: removed under us; 409: not running (an out-of-memory check, a crash)
        if (attempt > 0 || (statusOf(err) !== 404 && statusOf(err) !== 409)) throw err;
        this.o.logger.warn({ err, sandboxId, inspectorId: id }, 'check inspector gone; starting a new one');
        this.known.delete(sandboxId);
        await this.removeContainer(id);
      }
    }
  }

  /** A fresh random seed, stored under `name` in the sandbox's inspector (replacing an earlier one), and returned. */
  async newSeed(sandboxId: string, learnerKey: string, name: string): Promise<string> {
    const value = String(randomInt(1, 2 ** 31 - 1));
    const r = await this.run(sandboxId, learnerKey, storeSeedScript(name, value), { timeoutMs: 10_000, outputCapBytes: 4096 });
    if (r.exitCode !== 0) throw new AppError('CHECK_RUNNER_FAILED', `could not store a seed in the check inspector (exit ${r.exitCode}): ${r.output.trim().slice(-200)}`);
    return value;
  }

  /** Removes the inspectors of a sandbox (before the sandbox itself: they hold its socket volume and a link into its network namespace). */
  async removeFor(sandboxId: string): Promise<void> {
    this.known.delete(sandboxId);
    for (const c of await this.list({ owner: sandboxId }).catch(() => [])) await this.removeWithData(c);
  }

  /** At start-up and teardown: inspectors whose sandbox is not among `live` (container ids) are removed. */
  async sweep(live: Set<string>): Promise<number> {
    let removed = 0;
    for (const c of await this.list()) {
      const owner = c.Labels?.[LABEL_OWNER] ?? '';
      if (live.has(owner)) continue;
      this.known.delete(owner);
      await this.removeWithData(c);
      removed++;
    }
    return removed;
  }

  private list(filter: { owner?: string } = {}): Promise<Docker.ContainerInfo[]> {
    const label = ['dockhand.app=dockhand', `dockhand.instance=${this.o.instance}`, `dockhand.role=${INSPECTOR_ROLE}`];
    if (filter.owner) label.push(`${LABEL_OWNER}=${filter.owner}`);
    return this.o.docker.listContainers({ all: true, filters: { label } });
  }

  private async findOrCreate(sandboxId: string, learnerKey: string): Promise<string> {
    // After a restart the inspector of an adopted sandbox is still there (with its seeds): keep it.
    for (const c of await this.list({ owner: sandboxId })) {
      if (c.State === 'running') return c.Id;
      await this.removeContainer(c.Id);
    }
    let info: Docker.ContainerInspectInfo;
    try {
      info = await this.o.docker.getContainer(sandboxId).inspect();
    } catch (err) {
      throw new AppError('CHECK_RUNNER_FAILED', 'the sandbox to check is gone', { cause: err });
    }
    if (!info.State.Running) throw new AppError('CHECK_RUNNER_FAILED', 'the sandbox to check is not running');
    const image = await ensureInspectorImage(this.o.docker, this.o.sandboxImage);
    const facts = sandboxFacts(info);
    // made by an older Dockhand, before checks reached the engine through the locked socket: nothing here to trust
    if (!facts.engineSocket) throw new AppError('SANDBOX_OUTDATED', 'the sandbox has no engine socket folder for checks');
    const spec = inspectorSpec(facts, { image, labels: this.o.labels(learnerKey, INSPECTOR_ROLE, Date.now()) });
    let container: Docker.Container;
    try {
      container = await this.o.docker.createContainer(spec);
    } catch (err) {
      if (statusOf(err) === 404) forgetInspectorImage(image);
      throw new AppError('CHECK_RUNNER_FAILED', 'could not create the check inspector', { cause: err });
    }
    try {
      await container.start();
      await linkInspectorToSandbox(this.o.docker, sandboxId, container.id, { image, logger: this.o.logger, host: await this.o.host?.().catch(() => undefined) });
      await assertEngineSocketLocked(this.o.docker, container.id);
    } catch (err) {
      await this.removeContainer(container.id);
      if (err instanceof AppError) throw err;
      throw new AppError('CHECK_RUNNER_FAILED', 'could not start the check inspector', { cause: err });
    }
    return container.id;
  }

  /**
   * The inspector, then the sandbox's data and engine socket volumes it had mounted, which only goes when nothing uses it any more:
   * a sandbox removed while its inspector still held the volume (from outside, or while the bot was down) left it
   * behind for good. A live sandbox still holds it (the engine refuses: 409), and its own removal takes it.
   */
  private async removeWithData(c: Docker.ContainerInfo): Promise<void> {
    await this.removeContainer(c.Id);
    for (const m of c.Mounts ?? []) {
      if (m.Type !== 'volume' || (m.Destination !== DATA_ROOT && m.Destination !== ENGINE_SOCKET_DIR) || !m.Name) continue;
      await this.o.docker
        .getVolume(m.Name)
        .remove()
        .catch((err: unknown) => {
          if (statusOf(err) !== 404 && statusOf(err) !== 409) this.o.logger.warn({ err, volume: m.Name }, 'sandbox data volume remove failed');
        });
    }
  }

  private async removeContainer(id: string): Promise<void> {
    await this.o.docker
      .getContainer(id)
      .remove({ force: true, v: true })
      .catch((err: unknown) => {
        if (statusOf(err) !== 404 && statusOf(err) !== 409) this.o.logger.warn({ err, containerId: id }, 'check inspector remove failed');
      });
  }
}
