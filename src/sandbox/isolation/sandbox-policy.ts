import type Docker from 'dockerode';

/** What a policy may look at while shaping one sandbox container. */
export interface PolicyContext {
  instance: string;
  learnerKey: string;
  role: 'learner' | 'warm';
  createdAt: number;
  /** The container's labels so far; a policy may add its own (e.g. the volume it created). */
  labels: Record<string, string>;
}

/** Undoes what a policy created on the engine, when the container could not be created after all. */
export type PolicyUndo = () => Promise<void>;

/**
 * One concern of how a sandbox container is made (security profile and limits, engine disk, network, runtime):
 * it adds its settings to the create spec and may create engine resources first. Policies are composed in order.
 */
export interface SandboxPolicy {
  readonly name: string;
  apply(spec: Docker.ContainerCreateOptions, ctx: PolicyContext): void | PolicyUndo | Promise<void | PolicyUndo>;
  /** Frees what `apply` made outside the engine (host cgroups, disk images) once the container is removed; gets its labels. */
  release?(labels: Record<string, string>): Promise<void>;
  /**
   * At start-up and after removing everything: frees leftovers of sandboxes that are gone; `live` holds the labels of
   * every Dockhand container on the engine; names of this instance created at or after `since` are this process's
   * own (being set up or removed right now) and are left alone. Resolves to how many leftovers it freed.
   */
  sweep?(live: Record<string, string>[], opts: { since: number }): Promise<number>;
}

/** Applies the policies in order; one failing undoes those before it. Returns the undo of them all. */
export async function applyPolicies(spec: Docker.ContainerCreateOptions, policies: readonly SandboxPolicy[], ctx: PolicyContext): Promise<PolicyUndo> {
  const undos: PolicyUndo[] = [];
  const undoAll = async () => {
    for (const u of undos.splice(0).reverse()) await u().catch(() => undefined);
  };
  try {
    for (const p of policies) {
      const undo = await p.apply(spec, ctx);
      if (undo) undos.push(undo);
    }
  } catch (err) {
    await undoAll();
    throw err;
  }
  return undoAll;
}

/** The spec's HostConfig, created when missing, for policies to add to. */
export function hostConfigOf(spec: Docker.ContainerCreateOptions): Docker.HostConfig {
  spec.HostConfig ??= {};
  return spec.HostConfig;
}
