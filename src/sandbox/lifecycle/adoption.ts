import type { SandboxInfo } from '../engine/sandbox-runtime';
import type { SandboxEvent } from '../types';
import { STOPPED_AWAY_DETAIL } from './engine-watch';

/**
 * What start-up does with one container of this instance it found on the engine. `stopped`: a learner's sandbox
 * that stopped while no bot watched it (most often an engine restart or a host reboot): it goes, and the learner
 * is told (a `crashed` event with STOPPED_AWAY_DETAIL) instead of finding an empty sandbox without a word.
 */
export type AdoptionAction = { kind: 'remove'; event?: 'expired' | 'removed' | 'stopped' } | { kind: 'warm' } | { kind: 'owned' };

/**
 * Pure part of adoption: a stopped or expired container goes (reported when it had a learner); an unclaimed
 * one may refill the warm pool; an owned one is kept if the caller still knows its learner.
 */
export function adoptionAction(c: { running: boolean; createdAt: number }, learnerKey: string, o: { now: number; lifetimeMs: number }): AdoptionAction {
  const expired = o.now - c.createdAt > o.lifetimeMs;
  if (!c.running || expired) return { kind: 'remove', event: learnerKey ? (expired ? 'expired' : 'stopped') : undefined };
  return learnerKey ? { kind: 'owned' } : { kind: 'warm' };
}

export interface AdoptionDeps {
  now: number;
  lifetimeMs: number;
  /** The learner written into a claimed warm sandbox. */
  assignedLearner(id: string): Promise<string | undefined>;
  /** The caller's record: is this learner's sandbox one we should still have? */
  isKnown?(learnerKey: string, containerId: string): boolean | Promise<boolean>;
  /** Already holds a (newer) sandbox for this learner. */
  has(learnerKey: string): boolean;
  /** Already tracks exactly this container (start() called twice). */
  tracks(learnerKey: string, containerId: string): boolean;
  adoptWarm(info: SandboxInfo): boolean;
  adopt(learnerKey: string, info: SandboxInfo): void;
  remove(id: string): Promise<void>;
  emit(e: SandboxEvent): void;
}

/** Takes over (or removes) the containers a previous run of this instance left; newest first wins a learner. */
export async function adoptSandboxes(found: SandboxInfo[], d: AdoptionDeps): Promise<void> {
  for (const c of [...found].sort((a, b) => b.createdAt - a.createdAt)) {
    if (d.tracks(c.learnerKey, c.id)) continue;
    let learnerKey = c.learnerKey;
    if (c.role === 'warm' && c.running) learnerKey = (await d.assignedLearner(c.id)) ?? '';
    let action = adoptionAction(c, learnerKey, d);
    if (action.kind === 'warm' && d.adoptWarm(c)) continue;
    if (action.kind === 'owned') {
      // An older duplicate of a learner already held is dropped; only otherwise is the caller asked.
      const known = d.has(learnerKey) ? false : d.isKnown ? await d.isKnown(learnerKey, c.id) : true;
      if (known) {
        d.adopt(learnerKey, c);
        d.emit({ type: 'adopted', learnerKey, containerId: c.id });
        continue;
      }
      action = { kind: 'remove', event: 'removed' };
    }
    await d.remove(c.id);
    if (action.kind !== 'remove' || !action.event) continue;
    if (action.event === 'stopped') d.emit({ type: 'crashed', learnerKey, containerId: c.id, detail: STOPPED_AWAY_DETAIL });
    else d.emit({ type: action.event, learnerKey, containerId: c.id });
  }
}
