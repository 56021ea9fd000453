import { readdirSync } from 'node:fs';
import os from 'node:os';
import type { Logger } from '../logger';

/**
 * The bot's CPU priority (BOT_NICE). The bot's own CPU use is small, but every learner's output passes through its
 * one event loop, the `docker exec` clients of their shells and PostgreSQL. On a machine that also runs other work
 * (and the learners' sandboxes, one CPU share each), those wait in the run queue behind it: measured on 2 CPUs
 * with two busy loops beside a class of 30, the bot's main thread ran 12% of the time and waited 75%, and each
 * output took seconds. Linux keeps a nice value per thread and a new thread or process takes its creator's, so
 * every thread is set (the libuv pool and the database engine's threads may already exist) and what the bot starts
 * afterwards (embedded PostgreSQL, the shells' clients, host helpers) runs at the same priority.
 */
export interface ThreadPriorities {
  /** Thread ids of this process (Linux: /proc/self/task); [0] alone where unknown (the calling thread). */
  threads(): number[];
  get(tid: number): number;
  /** Throws when not permitted (EACCES: neither root, CAP_SYS_NICE nor a RLIMIT_NICE that allows it). */
  set(tid: number, nice: number): void;
}

export const processThreads: ThreadPriorities = {
  threads: () => {
    try {
      return readdirSync('/proc/self/task').map(Number).filter(Number.isInteger);
    } catch {
      return [0];
    }
  },
  get: (tid) => os.getPriority(tid),
  set: (tid, nice) => os.setPriority(tid, nice),
};

export interface PriorityOutcome {
  /** Threads moved to `nice`. */
  raised: number;
  /** Threads already at `nice` or more favoured (never lowered). */
  kept: number;
  /** Why it could not be applied (the first refusal); undefined when every thread got it. */
  refused?: string;
}

/** Moves every thread of this process to `nice` unless it already runs at that priority or better. */
export function applyCpuPriority(nice: number, log: Logger, threads: ThreadPriorities = processThreads): PriorityOutcome {
  const out: PriorityOutcome = { raised: 0, kept: 0 };
  for (const tid of threads.threads()) {
    let current: number;
    try {
      current = threads.get(tid);
    } catch {
      continue; // the thread ended meanwhile
    }
    if (current <= nice) {
      out.kept++;
      continue;
    }
    try {
      threads.set(tid, nice);
      out.raised++;
    } catch (err) {
      const code = (err as { info?: { code?: string }; code?: string }).info?.code ?? (err as { code?: string }).code ?? 'error';
      out.refused ??= code;
    }
  }
  if (out.refused) {
    log.info(
      { nice, refused: out.refused },
      `BOT_NICE=${nice} not applied (${out.refused}): the bot runs at normal CPU priority, so on a busy machine learners' outputs wait behind other work. Allow it with root, CAP_SYS_NICE, a nice limit of ${20 - nice} (compose: ulimits nice, see compose.yaml; systemd: LimitNICE=${20 - nice}), or set BOT_NICE=0 to stop this message.`,
    );
  } else if (out.raised > 0) log.debug({ nice, threads: out.raised }, 'bot CPU priority raised');
  return out;
}
