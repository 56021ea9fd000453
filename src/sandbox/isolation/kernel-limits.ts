import type { Logger } from '../../logger';
import type { EngineHostShell } from '../engine/engine-host';

/**
 * Host-wide kernel limits that every sandbox draws on. Under --userns-remap all sandboxes, inspectors and nested
 * containers are ONE host uid, so per-uid limits are shared by the whole class: the key quota (each container runc
 * starts on the host takes a session key) and inotify (each nested engine, editor and file watcher takes
 * instances and watches). The kernel's defaults (200 keys, 128 inotify instances) run out at a few dozen
 * sandboxes, so the bot raises them at start when lower, and says in one line when it cannot.
 */
export const KERNEL_MINIMUMS: ReadonlyArray<{ key: string; min: number }> = [
  { key: 'kernel.keys.maxkeys', min: 20000 },
  { key: 'kernel.keys.maxbytes', min: 2000000 },
  { key: 'fs.inotify.max_user_instances', min: 8192 },
  { key: 'fs.inotify.max_user_watches', min: 524288 },
];

/** Raises each limit below its minimum; one `dockhand-sysctl <key> <had> ok|raised|failed|missing` line per limit. */
export function kernelLimitsScript(limits = KERNEL_MINIMUMS, root = '/proc/sys'): string {
  const pairs = limits.map((l) => `${l.key}=${l.min}`).join(' ');
  return [
    `R='${root}'`,
    `for kv in ${pairs}; do`,
    '  k=${kv%%=*}; want=${kv#*=}; f=$R/$(printf %s "$k" | tr . /)',
    '  have=$(cat "$f" 2>/dev/null) || { echo "dockhand-sysctl $k - missing"; continue; }',
    '  if [ "$have" -ge "$want" ]; then echo "dockhand-sysctl $k $have ok"',
    '  elif echo "$want" > "$f" 2>/dev/null; then echo "dockhand-sysctl $k $have raised"',
    '  else echo "dockhand-sysctl $k $have failed"; fi',
    'done',
  ].join('\n');
}

export interface KernelLimitsOutcome {
  raised: { key: string; from: number; to: number }[];
  /** Below the minimum and could not be raised (or not readable at all). */
  failed: { key: string; have?: number; min: number }[];
}

export function parseKernelLimits(output: string, limits = KERNEL_MINIMUMS): KernelLimitsOutcome {
  const out: KernelLimitsOutcome = { raised: [], failed: [] };
  for (const l of limits) {
    const m = new RegExp(`^dockhand-sysctl ${l.key.replace(/\./g, '\\.')} (\\S+) (ok|raised|failed|missing)$`, 'm').exec(output);
    const have = m && m[1] !== '-' ? Number(m[1]) : undefined;
    if (m?.[2] === 'ok') continue;
    if (m?.[2] === 'raised') out.raised.push({ key: l.key, from: have ?? 0, to: l.min });
    else out.failed.push({ key: l.key, have, min: l.min });
  }
  return out;
}

/** The one warning line for limits left low, with the command that fixes them. */
export function kernelLimitsWarning(failed: KernelLimitsOutcome['failed']): string | undefined {
  if (failed.length === 0) return undefined;
  const what = failed.map((f) => `${f.key} ${f.have ?? 'unreadable'} < ${f.min}`).join(', ');
  const fix = `sysctl -w ${failed.map((f) => `${f.key}=${f.min}`).join(' ')}`;
  return (
    `The engine host's per-user kernel limits are too low for many sandboxes and the bot could not raise them (${what}); ` +
    `with --userns-remap every sandbox shares one user, so past a few dozen containers sandboxes fail to start. Run on the engine host as root: ${fix}`
  );
}

/** Raises the limits on the engine host at start; never throws (a failure is the one warning line). */
export async function raiseKernelLimits(host: EngineHostShell, logger: Logger, limits = KERNEL_MINIMUMS): Promise<KernelLimitsOutcome> {
  let output: string;
  try {
    // hostMounts: a helper container's /proc/sys is read-only; the engine host's own mount namespace has it writable
    output = (await host.run(kernelLimitsScript(limits), { binds: [], hostMounts: true, timeoutMs: 30000 })).output;
  } catch (err) {
    output = `(${(err as Error).message})`;
  }
  const outcome = parseKernelLimits(output, limits);
  for (const r of outcome.raised) logger.info({ key: r.key, from: r.from, to: r.to }, 'raised a kernel limit on the engine host');
  const warning = kernelLimitsWarning(outcome.failed);
  if (warning) logger.warn(warning);
  return outcome;
}
