import type { SandboxPort } from '../../sandbox';

/**
 * Pulls a lesson's or exercise's images (its `images:`) into a learner's sandbox from the offline mirror, so their
 * first `docker run` does not spend seconds downloading: a race before the racer sees the task, a lesson in the
 * background while the learner reads. Images the sandbox already has are left alone.
 */

/** A Docker image reference as lessons list them (`nginx:latest`, `dockhand/ml:latest`, a digest). */
const IMAGE_REF = /^[a-z0-9][a-z0-9._/-]{0,199}(?::[A-Za-z0-9._-]{1,128})?(?:@sha256:[a-f0-9]{64})?$/;

export const PREPULL_TIMEOUT_MS = 120_000;

export interface PrePullResult {
  /** Images the sandbox has now (all of them when ok): pulled, or there already. */
  images: string[];
  /** Of those, the ones that were there already (no pull made). */
  present: string[];
  ok: boolean;
  durationMs: number;
  /** The last line of a failed pull, for the log. */
  detail?: string;
}

export interface PrePullOptions {
  timeoutMs?: number;
  /** Only into a sandbox that exists or is being made (a background pull): never starts one; else the port refuses. */
  onlyExisting?: boolean;
  /** Images the sandbox has already are not pulled again (a sandbox in use; a fresh one has none). */
  skipPresent?: boolean;
}

/** The script that pulls `images` in order in the sandbox; names that are not image references are left out. */
export function prePullScript(images: readonly string[], opts: { skipPresent?: boolean } = {}): string {
  const names = images.filter((i) => IMAGE_REF.test(i));
  // Single-quoted: the reference pattern admits no quote, so nothing in a name reaches the shell as code.
  const pull = (i: string) => `docker pull -q '${i}' >/dev/null`;
  return ['set -e', ...names.map((i) => (opts.skipPresent ? `docker image inspect '${i}' >/dev/null 2>&1 && echo 'present ${i}' || ${pull(i)}` : pull(i)))].join('\n');
}

/**
 * Pulls the images into the learner's sandbox (starting it if needed). A pull that fails is reported, not
 * thrown (the learner's own `docker run` pulls from the mirror later); a sandbox that cannot run the script
 * at all throws.
 */
export async function prePullImages(sandboxes: Pick<SandboxPort, 'execScript'>, learnerKey: string, images: readonly string[], opts: PrePullOptions | number = {}): Promise<PrePullResult> {
  const { timeoutMs = PREPULL_TIMEOUT_MS, onlyExisting, skipPresent } = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  const valid = images.filter((i) => IMAGE_REF.test(i));
  const started = Date.now();
  const run = await sandboxes.execScript(learnerKey, prePullScript(valid, { skipPresent }), { timeoutMs, ...(onlyExisting && { onlyExisting }) });
  const ok = run.exitCode === 0;
  const present = run.output
    .split('\n')
    .map((l) => /^present (\S+)$/.exec(l.trim())?.[1])
    .filter((i): i is string => !!i && valid.includes(i));
  const failure = run.timedOut ? `timed out after ${Math.round(timeoutMs / 1000)} s` : (run.output.trim().split('\n').pop() || `exit ${run.exitCode}`);
  const detail = !ok ? failure : valid.length < images.length ? 'some image names were not valid references' : undefined;
  return { images: ok ? valid : [], present, ok: ok && valid.length === images.length, durationMs: Date.now() - started, detail };
}
