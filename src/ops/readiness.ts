import { redactSecrets } from '../logger';

/** One part the bot needs to serve learners: resolves when it works, throws (or rejects) saying why not. */
export type ReadinessProbe = () => Promise<void> | void;

export interface PartState {
  ok: boolean;
  /** Why the part is not ready (one line, no secrets: probes say what failed, not with which credentials). */
  detail?: string;
}

export interface ReadinessReport {
  ready: boolean;
  parts: Record<string, PartState>;
}

/** The parts /readyz always reports; one that is not bound yet reads "not started". */
export const READINESS_PARTS = ['database', 'docker', 'slack'] as const;

/**
 * Answers "can this process serve learners now?" for /readyz: every part's probe runs at once, each
 * bounded by the timeout (a hung database must not hang the orchestrator's probe).
 */
export class Readiness {
  private readonly probes = new Map<string, ReadinessProbe>();

  constructor(private readonly timeoutMs = 2000) {}

  /** Binds a part's probe (start-bot does, as each part comes up); replaces an earlier one. */
  set(part: string, probe: ReadinessProbe): void {
    this.probes.set(part, probe);
  }

  /** Unbinds a part (at shutdown): it reads "not started" again. */
  clear(part: string): void {
    this.probes.delete(part);
  }

  async check(): Promise<ReadinessReport> {
    const names = [...new Set<string>([...READINESS_PARTS, ...this.probes.keys()])];
    const states = await Promise.all(names.map((name) => this.run(name)));
    const parts = Object.fromEntries(names.map((name, i) => [name, states[i]!]));
    return { ready: states.every((s) => s.ok), parts };
  }

  private async run(name: string): Promise<PartState> {
    const probe = this.probes.get(name);
    if (!probe) return { ok: false, detail: 'not started' };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([Promise.resolve().then(probe), timeout]);
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: oneLine(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return redactSecrets(text.split('\n')[0]!).slice(0, 200);
}
