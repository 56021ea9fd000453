import type { Reply } from './reply';

/** The playground's port previews as the tutor offers them after a chat command (only when the playground is served). */
export interface PreviewOffers {
  /** TCP ports the learner's nested containers publish now, read the trusted way (never from the command's output). */
  ports(learnerKey: string): Promise<number[]>;
  /** A single-use link to the learner's own preview of `port`, for their DM only. */
  linkFor(ref: { teamId: string; userId: string }, port: number): string | undefined;
}

/** Commands that may publish a port: `-p`/`--publish`/`-P` (docker run, create) or a Compose `up`/`run`/`start`. */
export function mayPublishPort(command: string): boolean {
  return /(^|\s)(-p\s*\d|-p\s+\S*:|--publish(-all)?\b|-P\b)/.test(command) || /\bcompose\b.*\b(up|run|start|restart)\b/.test(command) || /\bdocker-compose\b.*\b(up|run|start|restart)\b/.test(command);
}

/** Ports newly published since the learner's last listing (each port offered once while it stays published). */
export class PublishedPortMemory {
  private readonly seen = new Map<string, Set<number>>();

  fresh(learnerKey: string, ports: number[]): number[] {
    const before = this.seen.get(learnerKey) ?? new Set<number>();
    this.seen.set(learnerKey, new Set(ports));
    // bounded: a learner key is dropped once it publishes nothing
    if (ports.length === 0) this.seen.delete(learnerKey);
    return ports.filter((p) => !before.has(p));
  }
}

/** The DM line offering previews of newly published ports; never unfurled (Slack would fetch the link and spend it). */
export function previewOfferReply(links: { port: number; url: string }[]): Reply {
  const shown = links.slice(0, 3);
  const lines = shown.map((l) => `:globe_with_meridians: Port ${l.port} is published: see it in your browser: ${l.url}`);
  return {
    text: lines.join('\n'),
    sections: lines,
    context: 'Each link is yours alone, works once and expires in 10 minutes; the playground page lists every published port as a Preview link.',
    noUnfurl: true,
  };
}
