import type { SandboxPort } from '../../sandbox';

/**
 * Races measure skill, not pulls: before a racer sees the task, the exercise's images (its `images:`) are
 * pulled into their fresh sandbox from the offline mirror, so their first `docker run` does not spend
 * seconds downloading. The pull runs in a sandbox the learner has not touched yet.
 */

/** A Docker image reference as lessons list them (`nginx:latest`, `dockhand/ml:latest`, a digest). */
const IMAGE_REF = /^[a-z0-9][a-z0-9._/-]{0,199}(?::[A-Za-z0-9._-]{1,128})?(?:@sha256:[a-f0-9]{64})?$/;

export const PREPULL_TIMEOUT_MS = 120_000;

export interface PrePullResult {
  /** Images pulled (all of them when ok). */
  images: string[];
  ok: boolean;
  durationMs: number;
  /** The last line of a failed pull, for the log. */
  detail?: string;
}

/** The script that pulls `images` in the sandbox; names that are not image references are left out. */
export function prePullScript(images: readonly string[]): string {
  const names = images.filter((i) => IMAGE_REF.test(i));
  // Single-quoted: the reference pattern admits no quote, so nothing in a name reaches the shell as code.
  return ['set -e', ...names.map((i) => `docker pull -q '${i}' >/dev/null`)].join('\n');
}

/**
 * Pulls the images into the learner's sandbox (starting it if needed). A pull that fails is reported, not
 * thrown (the learner's own `docker run` pulls from the mirror later); a sandbox that cannot run the script
 * at all throws, as the attempt cannot start without it.
 */
export async function prePullImages(sandboxes: Pick<SandboxPort, 'execScript'>, learnerKey: string, images: readonly string[], timeoutMs = PREPULL_TIMEOUT_MS): Promise<PrePullResult> {
  const valid = images.filter((i) => IMAGE_REF.test(i));
  const started = Date.now();
  const run = await sandboxes.execScript(learnerKey, prePullScript(valid), { timeoutMs });
  const ok = run.exitCode === 0;
  const failure = run.timedOut ? `timed out after ${Math.round(timeoutMs / 1000)} s` : (run.output.trim().split('\n').pop() || `exit ${run.exitCode}`);
  const detail = !ok ? failure : valid.length < images.length ? 'some image names were not valid references' : undefined;
  return { images: ok ? valid : [], ok: ok && valid.length === images.length, durationMs: Date.now() - started, detail };
}
