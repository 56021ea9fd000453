/**
 * The "Preview :PORT" links beside the terminal: the ports the learner's nested containers publish, as the bot
 * reads them from their sandbox's engine. Refreshed when a command ends (the terminal socket says so) and
 * every 15 s while the page is visible. Each opens the learner's own preview in a new tab.
 */
import { sessionUrl } from './session-url';

interface PreviewPort {
  port: number;
  container: string;
}

const EVERY_MS = 15_000;

export function startPreviews(box: HTMLElement): { refresh(): void } {
  let inFlight = false;
  let again = false;
  let shown = '';

  function render(ports: PreviewPort[]): void {
    const key = ports.map((p) => `${p.port}:${p.container}`).join(',');
    if (key === shown) return;
    shown = key;
    box.replaceChildren();
    box.hidden = ports.length === 0;
    for (const p of ports) {
      const a = document.createElement('a');
      a.href = `/preview/${p.port}/`;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      a.className = 'preview-link';
      a.textContent = `Preview :${p.port}`;
      a.title = p.container ? `${p.container}, published on port ${p.port}` : `published on port ${p.port}`;
      box.append(a);
    }
  }

  async function load(): Promise<void> {
    if (inFlight) {
      again = true;
      return;
    }
    inFlight = true;
    try {
      const res = await fetch(sessionUrl('/api/previews'), { credentials: 'same-origin' });
      if (res.ok) render(((await res.json()) as { ports: PreviewPort[] }).ports);
    } catch {
      // the next refresh tries again
    } finally {
      inFlight = false;
      if (again) {
        again = false;
        load().catch(() => undefined);
      }
    }
  }

  setInterval(() => {
    if (document.visibilityState === 'visible') load().catch(() => undefined);
  }, EVERY_MS);
  return { refresh: () => void load().catch(() => undefined) };
}
