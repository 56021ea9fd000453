import WebSocket from 'ws';

/** Opens a playground link like a browser's first visit: the session cookie it sets, or the refusal status. */
export async function openLink(link: string): Promise<{ status: number; cookie?: string; location?: string | null; headers: Headers }> {
  const res = await fetch(link, { redirect: 'manual' });
  const set = res.headers.get('set-cookie') ?? undefined;
  return { status: res.status, cookie: set?.split(';')[0], location: res.headers.get('location'), headers: res.headers };
}

/** A terminal socket as a page would open it (or as an attacker would try), with everything it printed. */
export class TerminalClient {
  output = '';
  readonly messages: { t: string; [k: string]: unknown }[] = [];
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  closeCode?: number;

  /** `watch`: the watched learner, as a watch page names its session (`?watch=`). */
  constructor(base: string, opts: { cookie?: string; origin?: string; watch?: string }) {
    const url = `${base.replace(/^http/, 'ws')}/ws/terminal?cols=100&rows=30${opts.watch ? `&watch=${opts.watch}` : ''}`;
    this.ws = new WebSocket(url, { headers: { ...(opts.cookie && { Cookie: opts.cookie }), ...(opts.origin && { Origin: opts.origin }) } });
    this.ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { t: string; d?: string };
      this.messages.push(m);
      if (m.t === 'o' && m.d) this.output += m.d;
    });
    this.ws.on('close', (code) => (this.closeCode = code));
    // open once the shell is attached (the page's "Connected")
    this.opened = new Promise((resolve, reject) => {
      this.ws.on('message', (raw) => (JSON.parse(raw.toString()) as { t: string }).t === 'ready' && resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
  }

  type(text: string): void {
    this.ws.send(JSON.stringify({ t: 'i', d: text }));
  }

  async waitFor(pattern: RegExp, timeoutMs = 120_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (Date.now() > end) throw new Error(`terminal never showed ${pattern}; it showed:\n${this.output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  close(): void {
    this.ws.close();
  }
}

/** The status an upgrade is refused with (or 101 when it is accepted). */
export function upgradeStatus(base: string, headers: Record<string, string>, query = ''): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/terminal${query}`, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => resolve(-1));
  });
}
