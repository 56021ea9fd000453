import type Docker from 'dockerode';
import type { SandboxConfig } from '../../config';
import { AppError } from '../../errors';
import type { Logger } from '../../logger';
import type { DockerTlsOptions } from './docker-client';
import { LABEL_APP, LABEL_CREATED, LABEL_INSTANCE, LABEL_LEARNER, LABEL_ROLE, MIRROR_ENV, READY_FILE, sanitize, sandboxName } from './sandbox-labels';
import type { Pty } from '../shell/pty';
import { openShellPty } from './shell-pty';
import { DISK_BOUND_PATHS, LABEL_VOLUME, dockerDiskPolicy } from '../isolation/docker-disk-policy';
import { INSPECTOR_ROLE } from '../checks/inspector-spec';
import { Inspectors } from '../checks/inspectors';
import { applyPolicies, type SandboxPolicy } from '../isolation/sandbox-policy';
import { LABEL_NETWORK, firewallOnce, removeSandboxNetwork, sandboxNetworkPolicy, sweepSandboxNetworks } from '../isolation/sandbox-network-policy';
import { NetworkPool } from '../isolation/network-pool';
import { MIRROR_CONTAINER } from '../../images';
import { profilePolicy } from '../isolation/sandbox-profile';
import { engineSocketPolicy, lockEngineSocket } from '../checks/engine-socket';
import { prepareHostPolicies, type HostPolicies } from '../isolation/host-policies';
import { sizeDisks } from '../isolation/size-disks';
import { execInContainer, innerTimeoutSeconds } from '../checks/script-exec';
import type { ScriptResult } from '../types';

export interface RuntimeOptions {
  docker: Docker;
  config: SandboxConfig;
  logger: Logger;
  image: string;
  /** Separates this process's (or test worker's) sandboxes from everyone else's on a shared engine. */
  instance: string;
  /** Passed to the sandbox as DOCKHAND_REGISTRY_MIRROR (config.registryMirror wins). */
  mirrorUrl?: string;
  /**
   * Container name of the read-only offline mirror, joined to every sandbox's own network. Defaults to the
   * built-in one when `mirrorUrl` is set and the operator configured no mirror of their own.
   */
  mirrorContainer?: string;
  readyTimeoutMs?: number;
  /** Hosts sandboxes must never reach even with egress open (the database's); the host firewall drops them. */
  internalHosts?: string[];
  /**
   * Size cap for the nested /var/lib/docker in MiB. Set: a labelled tmpfs volume (counts against memory);
   * unset: an anonymous volume on the host disk, removed with the sandbox.
   */
  dockerDiskMb?: number;
  /** `docker` CLI used for the pty (`docker exec -it`). */
  dockerCli?: string;
  /** The engine `docker` talks to, passed to the CLI as -H (and TLS flags) so both reach the same one. */
  dockerHost?: string;
  dockerTls?: DockerTlsOptions;
  /** The CLI child's environment (PATH, HOME...); defaults to this process's. */
  cliEnv?: Record<string, string | undefined>;
  /** Applied after the built-in ones (profile and limits, engine disk, the sandbox's own network). */
  policies?: SandboxPolicy[];
  /** Spare sandbox networks made ahead (network-pool.ts; active once started, e.g. by the manager); false: none. */
  networkSpares?: false | { floor?: number; parallel?: number };
}

export interface SandboxInfo {
  id: string;
  learnerKey: string;
  createdAt: number;
  running: boolean;
  role: string;
}

/** Docker-level work for sandboxes: create with the chosen profile and limits, wait ready, exec, remove. */
export class SandboxRuntime {
  private readonly ensureFirewall: () => Promise<void>;
  private hostPolicies?: Promise<HostPolicies>;
  private diskReservation?: HostPolicies['disk'];
  /** Host leftovers named from this instant on are this process's own (sweepHostLeftovers leaves them alone). */
  private readonly bornAt = Date.now();
  /** Where checks run: one trusted container per sandbox, beside it (inspectors.ts). */
  readonly inspectors: Inspectors;

  /** Spare sandbox networks, claimed by the network policy; idle until `networks.start()`. */
  readonly networks?: NetworkPool;

  constructor(private readonly o: RuntimeOptions) {
    this.ensureFirewall = firewallOnce(o.docker, { image: o.image, logger: o.logger, targets: { internalHosts: o.internalHosts, mirrorUrl: this.mirrorContainer ? undefined : o.mirrorUrl } });
    if (o.networkSpares !== false) {
      this.networks = new NetworkPool({ docker: o.docker, logger: o.logger, instance: o.instance, namePrefix: `dockhand-${sanitize(o.instance)}`, blockEgress: o.config.blockEgress, mirrorContainer: this.mirrorContainer, ensureFirewall: this.ensureFirewall, max: o.config.maxSandboxes, ...o.networkSpares });
    }
    this.inspectors = new Inspectors({ docker: o.docker, logger: o.logger, sandboxImage: o.image, instance: o.instance, labels: (k, r, c) => this.labels(k, r, c), host: () => this.host().then((h) => h.host) });
  }

  get docker(): Docker {
    return this.o.docker;
  }

  get instance(): string {
    return this.o.instance;
  }

  labels(learnerKey: string, role: string, createdAt: number): Record<string, string> {
    return {
      [LABEL_APP]: 'dockhand',
      [LABEL_INSTANCE]: this.o.instance,
      [LABEL_LEARNER]: learnerKey,
      [LABEL_CREATED]: String(createdAt),
      [LABEL_ROLE]: role,
    };
  }

  /**
   * Creates, starts and waits for the nested engine; a sandbox that never gets ready is removed before the error.
   * `onStarted` runs once the container runs, while its engine boots (the learner's shell opens meanwhile).
   */
  async create(learnerKey: string, role: 'learner' | 'warm', hooks: { onStarted?: (id: string) => void } = {}): Promise<SandboxInfo> {
    const createdAt = Date.now();
    const labels = this.labels(learnerKey, role, createdAt);
    const mirror = this.o.config.registryMirror ?? this.o.mirrorUrl;
    const spec: Docker.ContainerCreateOptions = {
      name: sandboxName(this.o.instance, learnerKey, createdAt),
      Image: this.o.image,
      Hostname: `sandbox`,
      Labels: labels,
      Env: [mirror ? `${MIRROR_ENV}=${mirror}` : '', 'TERM=xterm'].filter(Boolean),
      Tty: false,
      HostConfig: {},
    };
    const host = await this.host();
    const disk = host.diskCapped && !this.o.dockerDiskMb ? [] : [dockerDiskPolicy(this.o.docker, this.o.dockerDiskMb)];
    const policies = [profilePolicy(this.o.config), ...disk, ...host.policies, this.networkPolicy(), engineSocketPolicy(), ...(this.o.policies ?? [])];
    // the spare-network pool holds its refills while sandboxes are being made: the engine's network work (a
    // sandbox's own network, the endpoint its start joins) is done one request at a time
    const hold = <T>(work: () => Promise<T>) => (this.networks ? this.networks.busy(work) : work());
    const undo = await hold(() => applyPolicies(spec, policies, { instance: this.o.instance, learnerKey, role, createdAt, labels }));
    // The learner's folders live under /var/lib/docker even without the disk cap: checks read them from there.
    if (!spec.Env!.some((e) => e.startsWith('DOCKHAND_DISK_BINDS='))) spec.Env!.push(`DOCKHAND_DISK_BINDS=${DISK_BOUND_PATHS.join(' ')}`);
    let container: Docker.Container;
    try {
      container = await hold(() => this.o.docker.createContainer(spec));
    } catch (err) {
      await undo();
      throw new AppError('SANDBOX_CREATE_FAILED', 'Could not create a sandbox container', { cause: err });
    }
    try {
      await hold(() => container.start());
      hooks.onStarted?.(container.id);
      // 60 s: ~0.5 s on a quiet host, but 100 sandboxes starting at once on 2 CPUs went past 30 s.
      await this.waitReady(container.id, this.o.readyTimeoutMs ?? 60_000);
      // before anyone can type in it: the check inspector's way to the nested engine becomes the host root's
      await lockEngineSocket(this.o.docker, container.id, { image: this.o.image, logger: this.o.logger, host: host.host });
    } catch (err) {
      await this.remove(container.id);
      if (err instanceof AppError && err.code === 'SANDBOX_NOT_READY') throw err;
      throw new AppError('SANDBOX_NOT_READY', 'The sandbox did not become ready', { cause: err });
    }
    return { id: container.id, learnerKey, createdAt, running: true, role };
  }

  /** The engine's facts and the host-side policies (delegated cgroups, capped disk), prepared once. */
  host(): Promise<HostPolicies> {
    this.hostPolicies ??= prepareHostPolicies({ docker: this.o.docker, config: this.o.config, logger: this.o.logger, image: this.o.image, instance: this.o.instance, dockerHost: this.o.dockerHost }).then(
      (h) => {
        this.diskReservation = h.disk;
        return h;
      },
      (err) => {
        this.hostPolicies = undefined;
        throw err;
      },
    );
    return this.hostPolicies;
  }

  /**
   * At start-up and after removing everything: host cgroups, disk images, mounts and loop devices of sandboxes that
   * no longer exist (any instance's live ones are kept; this process's own are never touched). Returns what each
   * policy freed. At start-up (`checkDisk`) it then warns when the sandbox cap promises more disk than the host has.
   */
  async sweepHostLeftovers(opts: { checkDisk?: boolean } = {}): Promise<Record<string, number>> {
    const host = await this.host();
    const live = (await this.o.docker.listContainers({ all: true, filters: { label: [`${LABEL_APP}=dockhand`] } })).map((c) => c.Labels ?? {});
    const freed: Record<string, number> = {};
    for (const p of host.policies) {
      if (!p.sweep) continue;
      freed[p.name] = await p.sweep(live, { since: this.bornAt }).catch((err: unknown) => {
        this.o.logger.warn({ err, policy: p.name }, 'host leftover sweep failed');
        return 0;
      });
    }
    if (Object.values(freed).some((n) => n > 0)) this.o.logger.info({ freed }, 'released host resources of sandboxes that no longer exist');
    if (opts.checkDisk && host.disk) await sizeDisks(host.disk, this.o.config, this.o.logger);
    return freed;
  }

  /** The host disk reservation as last measured (metrics); undefined without a disk cap or before the first measurement. */
  hostDiskStats(): { availBytes: number; promisedBytes: number; refusals: number } | undefined {
    return this.diskReservation?.stats();
  }

  /** The built-in read-only mirror's container, unless the operator brought their own mirror. */
  private get mirrorContainer(): string | undefined {
    if (this.o.config.registryMirror || !this.o.mirrorUrl) return undefined;
    return this.o.mirrorContainer ?? MIRROR_CONTAINER;
  }

  /** Each sandbox on its own bridge (internal when egress is blocked), with the read-only mirror and the host firewall. */
  private networkPolicy(): SandboxPolicy {
    return sandboxNetworkPolicy({
      docker: this.o.docker,
      logger: this.o.logger,
      blockEgress: this.o.config.blockEgress,
      mirrorContainer: this.mirrorContainer,
      mirrorUrl: this.o.mirrorUrl,
      mirrorEnv: MIRROR_ENV,
      ensureFirewall: this.ensureFirewall,
      spares: this.networks,
    });
  }

  /** One exec that polls inside the container, bounded by our own timeout. */
  async waitReady(id: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const left = deadline - Date.now();
      const loops = Math.max(1, Math.ceil(left / 100));
      let r: ScriptResult;
      try {
        // builtins only while it waits (read -t on a fifo): a `sleep` ten times a second per start cost CPU the starts needed
        r = await this.exec(id, `f=/run/dockhand/.wait-$$; if mkfifo $f 2>/dev/null && exec 9<>$f; then nap() { read -r -t 0.1 -u 9 _ || :; }; else nap() { sleep 0.1; }; fi; rm -f $f; for ((i = 0; i < ${loops}; i++)); do [ -e ${READY_FILE} ] && exit 0; nap; done; exit 1`, { timeoutMs: left + 500, outputCapBytes: 4096 });
      } catch (err) {
        // exec fails when the container died: no point waiting out the timeout
        const running = await this.isRunning(id);
        if (!running) throw new AppError('SANDBOX_NOT_READY', 'The sandbox stopped while starting', { cause: err });
        await sleep(100);
        continue;
      }
      if (r.exitCode === 0) return;
      if (!(await this.isRunning(id))) throw new AppError('SANDBOX_NOT_READY', 'The sandbox stopped while starting');
    }
    throw new AppError('SANDBOX_NOT_READY', `The sandbox was not ready within ${Math.round(timeoutMs / 1000)} s`);
  }

  async isRunning(id: string): Promise<boolean> {
    try {
      const info = await this.o.docker.getContainer(id).inspect();
      return info.State.Running === true;
    } catch {
      return false;
    }
  }

  async inspectState(id: string): Promise<{ running: boolean; oomKilled: boolean; exitCode: number; error: string } | undefined> {
    try {
      const info = await this.o.docker.getContainer(id).inspect();
      return { running: info.State.Running, oomKilled: info.State.OOMKilled, exitCode: info.State.ExitCode, error: info.State.Error };
    } catch {
      return undefined;
    }
  }

  /** Removes the container with its anonymous volume, its named volume if it had one, and its own network. */
  async remove(id: string): Promise<void> {
    await this.inspectors.removeFor(id);
    let volume: string | undefined;
    let network: string | undefined;
    let labels: Record<string, string> = {};
    try {
      const info = await this.o.docker.getContainer(id).inspect();
      labels = info.Config.Labels ?? {};
      volume = info.Config.Labels?.[LABEL_VOLUME];
      network = info.Config.Labels?.[LABEL_NETWORK];
    } catch {
      // already gone
    }
    await this.o.docker
      .getContainer(id)
      .remove({ force: true, v: true })
      .catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404 && err.statusCode !== 409) this.o.logger.warn({ err, containerId: id }, 'sandbox remove failed');
      });
    // again: an inspector started for this sandbox while it was being removed would outlive it
    await this.inspectors.removeFor(id);
    if (volume) await removeVolumeWithRetry(this.o.docker, volume);
    if (network) await removeSandboxNetwork(this.o.docker, network, this.o.logger);
    // host cgroups and the disk image go after the container (its last processes must have exited); prepared
    // here when nothing else did (a process that only removes, like `npm run sandboxes:remove`)
    const host = await this.host().catch((err: unknown) => void this.o.logger.warn({ err, containerId: id }, 'host resources of a removed sandbox could not be released'));
    for (const p of host?.policies ?? []) await p.release?.(labels).catch((err: unknown) => this.o.logger.warn({ err, containerId: id, policy: p.name }, 'releasing host resources failed'));
  }

  /** All sandbox containers of this instance (running or not); not their inspectors. */
  async list(): Promise<SandboxInfo[]> {
    const list = await this.o.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_APP}=dockhand`, `${LABEL_INSTANCE}=${this.o.instance}`] },
    });
    return list
      .filter((c) => !['network', INSPECTOR_ROLE].includes(c.Labels[LABEL_ROLE] ?? 'learner'))
      .map((c) => ({
        id: c.Id,
        learnerKey: c.Labels[LABEL_LEARNER] ?? '',
        createdAt: Number(c.Labels[LABEL_CREATED]) || 0,
        running: c.State === 'running',
        role: c.Labels[LABEL_ROLE] ?? 'learner',
      }));
  }

  /**
   * Named volumes and sandbox networks of this instance whose container is gone (left by a crash of this
   * process); the mirror rejoins the networks of adopted sandboxes.
   */
  async sweepOrphanVolumes(): Promise<void> {
    await sweepSandboxNetworks(this.o.docker, { instance: this.o.instance, mirrorContainer: this.mirrorContainer, logger: this.o.logger, keepSpare: (n) => this.networks?.owns(n) ?? false });
    const { Volumes } = await this.o.docker.listVolumes({ filters: { label: [`${LABEL_APP}=dockhand`, `${LABEL_INSTANCE}=${this.o.instance}`] } });
    for (const v of Volumes ?? []) {
      await this.o.docker
        .getVolume(v.Name)
        .remove()
        .catch(() => undefined); // in use: still attached to a live sandbox
    }
  }

  /** One-shot `bash -c` through the engine API, not the learner's pty. Runs the sandbox's own tools: never for checks. */
  exec(id: string, script: string, opts: { timeoutMs: number; outputCapBytes: number }): Promise<ScriptResult> {
    // `timeout` inside too: detaching from an exec does not stop it.
    return execInContainer(this.o.docker, id, ['/usr/bin/timeout', '-k', '1', innerTimeoutSeconds(opts.timeoutMs), '/bin/bash', '-c', script], opts);
  }

  /** The learner's shell: `docker exec -it ... bash` behind node-pty (shell-pty.ts). */
  openPty(id: string, opts: { cols: number; rows: number }): Pty {
    return openShellPty({ ...this.o, pidsLimit: this.o.config.pidsLimit, memoryMb: this.o.config.memoryMb }, id, opts);
  }

  /** Removes this instance's sandbox networks that no sandbox uses any more, spares too (all of them after destroyAll). */
  async removeNetwork(): Promise<void> {
    await sweepSandboxNetworks(this.o.docker, { instance: this.o.instance, mirrorContainer: this.mirrorContainer, logger: this.o.logger, graceMs: 0 });
  }
}

async function removeVolumeWithRetry(docker: Docker, name: string): Promise<void> {
  for (let i = 0; i < 10; i++) {
    try {
      await docker.getVolume(name).remove();
      return;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return;
      await sleep(200);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
