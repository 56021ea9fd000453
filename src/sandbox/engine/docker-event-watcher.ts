import { StringDecoder } from 'node:string_decoder';
import type Docker from 'dockerode';
import type { Logger } from '../../logger';
import { LABEL_APP, LABEL_INSTANCE } from './sandbox-labels';

/** A sandbox container that stopped on its own, as the engine reported it. */
export interface ContainerDeath {
  containerId: string;
  kind: 'oom' | 'crash';
  detail: string;
}

/**
 * The engine's event stream is newline-separated JSON, cut anywhere between chunks. An `oom` event comes
 * before the `die` of the same container, so the parser remembers it until that `die`.
 */
export class DeathEventParser {
  private buf = '';
  private readonly oomSeen = new Set<string>();

  /** Feeds a chunk; returns the deaths completed by it. Lines that are not JSON are skipped. */
  push(chunk: string): ContainerDeath[] {
    this.buf += chunk;
    const deaths: ContainerDeath[] = [];
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      const death = this.line(line);
      if (death) deaths.push(death);
    }
    return deaths;
  }

  private line(line: string): ContainerDeath | undefined {
    let ev: { Action?: unknown; id?: unknown; Actor?: { Attributes?: Record<string, string> } };
    try {
      ev = JSON.parse(line);
    } catch {
      return undefined;
    }
    if (!ev || typeof ev !== 'object' || typeof ev.id !== 'string' || !ev.id) return undefined;
    const id = ev.id;
    if (ev.Action === 'oom') this.oomSeen.add(id);
    if (ev.Action !== 'die') return undefined;
    const oom = this.oomSeen.delete(id);
    return { containerId: id, kind: oom ? 'oom' : 'crash', detail: `exit code ${ev.Actor?.Attributes?.exitCode ?? '?'}` };
  }
}

export interface EventWatch {
  stop(): void;
}

/** Follows die/oom events of one instance's sandboxes, so crashes of idle sandboxes are noticed too. */
export async function watchSandboxDeaths(
  docker: Docker,
  o: { instance: string; logger: Logger; onDeath(death: ContainerDeath): void },
): Promise<EventWatch> {
  const stream = (await docker.getEvents({
    filters: { type: ['container'], event: ['die', 'oom'], label: [`${LABEL_APP}=dockhand`, `${LABEL_INSTANCE}=${o.instance}`] },
  })) as NodeJS.ReadableStream & { destroy?: () => void };
  const parser = new DeathEventParser();
  // A decoder, so a character split between chunks is not mangled.
  const decoder = new StringDecoder('utf8');
  stream.on('data', (chunk: Buffer) => {
    for (const death of parser.push(decoder.write(chunk))) o.onDeath(death);
  });
  stream.on('error', (err) => o.logger.warn({ err }, 'docker event stream failed'));
  return { stop: () => stream.destroy?.() };
}
