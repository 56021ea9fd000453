import type { LessonCatalog } from '../../lessons';
import type { Logger } from '../../logger';
import type { SandboxPort } from '../../sandbox';
import type { ChallengeRecord } from '../../store';
import { prePullScript } from '../pulls/image-prepull';

/**
 * Warm sandboxes for a running challenge. Accepting used to cost a sandbox start (~2 s, most of it the nested
 * dockerd) plus the exercise's image pulls (~2 s for nginx) before the task appeared; while a challenge runs, the
 * sandbox layer keeps `count` fresh sandboxes with those images already pulled, and each racer's Accept claims
 * one (a sandbox nobody used: it leaves the pool once). Refilled as racers claim them, removed when the challenge
 * ends. With none ready but one still starting for the pool, the accept waits for that one (prepared-pools.ts);
 * with none at all (all claimed, or the caps leave no room) it starts and pulls as before.
 */
export interface ChallengeWarmthDeps {
  sandboxes?: Pick<SandboxPort, 'keepPrepared'>;
  /** Per challenge (CHALLENGE_WARM_SANDBOXES); the sandbox layer keeps fewer when its caps leave less room. */
  count: number;
  catalog: Pick<LessonCatalog, 'get'>;
  log: Logger;
  /** The most keep() waits for the warm sandboxes before it logs (CHALLENGE_WARM_WAIT_MS by default). */
  waitMs?: number;
}

/** Long enough for a few sandbox starts and an image pull on a busy host. */
export const CHALLENGE_WARM_WAIT_MS = 60_000;

/** The pool of a challenge is named by its id (the Accept's claim asks for the same name). */
export const warmPoolOf = (challengeId: string): string => `challenge-${challengeId}`;

export class ChallengeWarmth {
  constructor(private readonly deps: ChallengeWarmthDeps) {}

  /**
   * Starts keeping warm sandboxes for the challenge (its start, or a restart while it runs). Resolves (never
   * rejects) once they are ready, or none more can start, or after CHALLENGE_WARM_WAIT_MS, and logs how long that
   * took (how soon after the card a crowd finds its sandboxes warm).
   */
  async keep(challenge: Pick<ChallengeRecord, 'id' | 'teamId' | 'exerciseId'>): Promise<void> {
    const { sandboxes, count, catalog, log } = this.deps;
    const lesson = catalog.get(challenge.exerciseId);
    if (!sandboxes?.keepPrepared || count <= 0 || !lesson) return;
    const t0 = Date.now();
    await sandboxes
      .keepPrepared(warmPoolOf(challenge.id), { count, script: prePullScript(lesson.images), workspace: challenge.teamId, readyWithinMs: this.deps.waitMs ?? CHALLENGE_WARM_WAIT_MS })
      .then(() => log.info({ challengeId: challenge.id, count, images: lesson.images, waitedMs: Date.now() - t0 }, 'keeping warm sandboxes for the challenge'))
      .catch((err: unknown) => log.warn({ err, challengeId: challenge.id }, 'could not keep warm sandboxes for the challenge; accepts start sandboxes as usual'));
  }

  /** Removes the challenge's unclaimed sandboxes (its end); racers keep the ones they claimed. */
  async release(challengeId: string): Promise<void> {
    await this.deps.sandboxes?.keepPrepared?.(warmPoolOf(challengeId), { count: 0, script: '' }).catch((err: unknown) => this.deps.log.warn({ err, challengeId }, 'could not remove the warm sandboxes of a challenge'));
  }
}
