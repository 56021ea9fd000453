import type { Logger } from '../../logger';
import type { EngineHostShell } from '../engine/engine-host';

/**
 * Watches the kernel key quota of the host uid the sandboxes run as (the remap uid under userns, root otherwise):
 * the seccomp profile stops learners adding keys, so what remains is each container runc starts on the host
 * taking a session key. Read from /proc/key-users on the engine host, exported as a gauge and warned about below
 * 20% left. The reading is process-wide because the quota is host-wide: every bot on the engine sees one value.
 */
export interface KeyQuotaReading {
  uid: number;
  keys: { used: number; max: number };
  bytes: { used: number; max: number };
}

/** Below this share left (of keys or bytes), the watcher warns once until it recovers. */
export const LOW_SHARE = 0.2;
export const KEY_USERS_SCRIPT =
  'cat /proc/key-users; echo "dockhand-keys-max $(cat /proc/sys/kernel/keys/maxkeys) $(cat /proc/sys/kernel/keys/maxbytes) $(cat /proc/sys/kernel/keys/root_maxkeys) $(cat /proc/sys/kernel/keys/root_maxbytes)"';

/**
 * `<uid>: <usage> <nkeys>/<ninstantiated> <qnkeys>/<maxkeys> <qnbytes>/<maxbytes>` per uid holding keys; a uid with
 * none has no line, so its maximum comes from the sysctls (root has its own, root_maxkeys).
 */
export function parseKeyUsers(output: string, uid: number): KeyQuotaReading | undefined {
  const line = new RegExp(`^\\s*${uid}:\\s+\\d+\\s+\\d+/\\d+\\s+(\\d+)/(\\d+)\\s+(\\d+)/(\\d+)\\s*$`, 'm').exec(output);
  if (line) return { uid, keys: { used: Number(line[1]), max: Number(line[2]) }, bytes: { used: Number(line[3]), max: Number(line[4]) } };
  const max = /^dockhand-keys-max (\d+) (\d+) (\d+) (\d+)$/m.exec(output);
  if (!max) return undefined;
  const [keys, bytes] = uid === 0 ? [max[3], max[4]] : [max[1], max[2]];
  return { uid, keys: { used: 0, max: Number(keys) }, bytes: { used: 0, max: Number(bytes) } };
}

export function remaining(r: KeyQuotaReading): { keys: number; bytes: number } {
  return { keys: Math.max(0, r.keys.max - r.keys.used), bytes: Math.max(0, r.bytes.max - r.bytes.used) };
}

let latest: KeyQuotaReading | undefined;

/** The last reading of any watcher in this process (undefined until the first): the metrics gauge reads it. */
export function latestKeyQuota(): { keys: number; bytes: number } | undefined {
  return latest && remaining(latest);
}

export interface KeyQuotaWatch {
  /** One reading now (the timer calls it); resolves to the reading or undefined when the host could not be read. */
  check(): Promise<KeyQuotaReading | undefined>;
  stop(): void;
}

let processWatch: KeyQuotaWatch | undefined;

/** The process's one watcher (started by the first runtime that prepares the engine host; later ones reuse it). */
export function ensureKeyQuotaWatch(o: { host: EngineHostShell; uid: number; logger: Logger }): KeyQuotaWatch {
  processWatch ??= watchKeyQuota(o);
  return processWatch;
}

export function watchKeyQuota(o: { host: EngineHostShell; uid: number; logger: Logger; intervalMs?: number }): KeyQuotaWatch {
  let low = false;
  const check = async (): Promise<KeyQuotaReading | undefined> => {
    const r = await o.host.run(KEY_USERS_SCRIPT, { binds: [], timeoutMs: 20000 }).catch(() => undefined);
    const reading = r && parseKeyUsers(r.output, o.uid);
    if (!reading) return undefined;
    latest = reading;
    const left = remaining(reading);
    const short = left.keys < reading.keys.max * LOW_SHARE || left.bytes < reading.bytes.max * LOW_SHARE;
    if (short && !low) {
      o.logger.warn(
        { uid: o.uid, keysLeft: left.keys, bytesLeft: left.bytes },
        `Kernel key quota of the sandboxes' host user ${o.uid} is below 20% (${left.keys} of ${reading.keys.max} keys, ${left.bytes} of ${reading.bytes.max} bytes left): ` +
          'new sandboxes will fail to start when it runs out; raise kernel.keys.maxkeys/maxbytes on the engine host',
      );
    } else if (!short && low) {
      o.logger.info({ uid: o.uid, keysLeft: left.keys, bytesLeft: left.bytes }, 'kernel key quota recovered');
    }
    low = short;
    return reading;
  };
  check().catch(() => undefined);
  const timer = setInterval(() => check().catch(() => undefined), o.intervalMs ?? 60_000);
  // host-wide watching must never keep the process alive on its own
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
