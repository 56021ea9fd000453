/**
 * The engine host's kernel key quota. Under --userns-remap every sandbox's root is ONE host user (100000), and
 * each container, nested container and shell takes a key from that user's quota (kernel.keys.maxkeys, 200 by
 * default). Past it, runc fails with "unable to create session key: disk quota exceeded": measured here near
 * 100 sandboxes at once. The bot raises it at start where it can (kernel-limits.ts) and watches what is left
 * (key-quota-watch.ts); this probe, run with the host firewall, is the one-line second opinion when it could not.
 */
export const KEY_QUOTA_PROBE = 'echo "dockhand-keys: $(cat /proc/sys/kernel/keys/maxkeys 2>/dev/null) $(cat /proc/sys/kernel/keys/maxbytes 2>/dev/null)"';

/** Below this many keys per user, a class-sized load can hit the quota. */
export const MIN_MAX_KEYS = 2000;
export const KEY_QUOTA_FIX = 'sysctl -w kernel.keys.maxkeys=20000 kernel.keys.maxbytes=2000000';

/** One warning line when the probe's output shows a quota too small for many sandboxes, else undefined. */
export function keyQuotaWarning(probeOutput: string): string | undefined {
  const m = /dockhand-keys: (\d+) (\d+)/.exec(probeOutput);
  if (!m) return undefined;
  const [maxKeys, maxBytes] = [Number(m[1]), Number(m[2])];
  if (maxKeys >= MIN_MAX_KEYS && maxBytes >= MIN_MAX_KEYS * 20) return undefined;
  return (
    `The engine host allows each user ${maxKeys} kernel keys (${maxBytes} bytes); with --userns-remap all sandboxes share one user, ` +
    `so past roughly ${Math.floor(maxKeys / 2)} containers sandboxes fail to start ("disk quota exceeded"). Raise it on the engine host: ${KEY_QUOTA_FIX}`
  );
}
